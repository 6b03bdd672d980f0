export declare const FLEET_WORKERS: string[];
export declare function bundleFleetWorker(name: string): Promise<string>;
export declare function buildFleet(outdir?: string): Promise<string[]>;
export declare function bundleWorker(entry: string): Promise<string>;
