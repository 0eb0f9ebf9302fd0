// swagger-ui-dist ships no types: the part of its bundle the API reference uses (options as swagger-ui documents them).
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  type SwaggerUIOptions = {
    url: string;
    domNode: HTMLElement;
    deepLinking?: boolean;
    docExpansion?: "list" | "full" | "none";
    defaultModelsExpandDepth?: number;
    displayRequestDuration?: boolean;
    filter?: boolean;
    persistAuthorization?: boolean;
    tryItOutEnabled?: boolean;
    withCredentials?: boolean;
    onComplete?: () => void;
  };
  const SwaggerUI: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUI;
}
