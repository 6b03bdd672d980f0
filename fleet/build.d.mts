/** The names in fleet/manifest.ts (import FLEET from there in TypeScript). */
export declare function fleetNames(): Promise<string[]>;
export declare function bundleFleetWorker(name: string): Promise<string>;
export declare function buildFleet(outdir?: string): Promise<string[]>;
export declare function bundleWorker(entry: string): Promise<string>;
