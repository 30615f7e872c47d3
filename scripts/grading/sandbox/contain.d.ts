export const MARKER: string;
export interface Group { kind: 'v2' | 'pids' | 'memory' | 'freezer'; dir: string }
export function isRoot(): boolean;
export function createGroups(name: string, limits: { processes?: number; memoryBytes?: number }): Group[];
export function attach(groups: Group[], pid: number): boolean;
export function killGroup(group: Group): void;
export function releaseGroups(prefix: string): void;
export function sweepUser(uid: number, gid: number): void;
export function sweepMarker(token: string): void;
export function cleanup(prefix: string, user: { uid: number; gid: number } | null): void;
