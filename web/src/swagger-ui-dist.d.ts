// swagger-ui-dist ships no types; this is the part the reference page uses.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  interface SwaggerUIOptions {
    domNode: HTMLElement;
    spec: Record<string, unknown>;
    validatorUrl: string | null;
    deepLinking?: boolean;
    tryItOutEnabled?: boolean;
    requestInterceptor?: (req: { url: string; headers: Record<string, string> }) => unknown;
    /** Name of the top-level layout component (a plugin's `components` key). */
    layout?: string;
    plugins?: unknown[];
  }
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUIBundle;
}
