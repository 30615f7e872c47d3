export declare const projectRoot: string;
export declare const jupyterDataDir: string;
export declare const kernelName: string;
export declare const requiredPythonModules: readonly string[];
export declare function pythonCandidates(env?: NodeJS.ProcessEnv): string[];
export declare function jupyterEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
export declare function pythonHasModules(python: string, modules?: readonly string[]): boolean;
export declare function firstJupyterPython(extraModules?: readonly string[]): string | null;
export declare function makeKernelDeclarations(root?: string): string | null;
