// Types for gen-public-routes.mjs, so the unit tests can import it.
export declare const SPEC: string;
export declare const OUTPUT: string;
export declare function publicRoutes(specText: string): { method: string; path: string }[];
export declare function renderPublicRoutes(specText: string): string;
