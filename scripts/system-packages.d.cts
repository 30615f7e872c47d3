export declare const JUPYTER_APT_PACKAGES: readonly string[];
export declare const JUPYTER_PIP_PACKAGES: readonly string[];
export declare const CHROMIUM_APT_PACKAGE: string;
export declare const CHROMIUM_PATHS: readonly string[];
export declare function chromiumPaths(env?: NodeJS.ProcessEnv): readonly string[];
export declare function findChromium(env?: NodeJS.ProcessEnv): { path: string | null; fromEnv: string | null };
export declare function commandExists(command: string): boolean;
export declare function aptPrefix(options?: { interactive?: boolean; env?: NodeJS.ProcessEnv }): string[] | null;
export declare function aptInstall(packages: readonly string[], prefix: readonly string[], say?: (line: string) => void): boolean;
