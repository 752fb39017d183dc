/**
 * The methods each published path takes, read from the OpenAPI document's `paths`
 * (`/api/v1/messages/{id}` matches one path segment per parameter). Used to answer
 * 405 with `Allow` instead of 404 when the path exists. Where several templates match,
 * the one with the fewest parameters names the path, as a router resolves it
 * (`/api/v1/documents/import` is not `/api/v1/documents/{id}`).
 */
export function routeMethods(doc: { paths?: Record<string, Record<string, unknown>> }): (path: string) => string[] {
  const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
  const routes = Object.entries(doc.paths ?? {}).map(([template, item]) => {
    const pattern = template
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    const methods = Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => m.toUpperCase());
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');
    return { re: new RegExp(`^${pattern}/?$`), methods, params: (template.match(/\{/g) ?? []).length };
  });
  return (path) => {
    const matching = routes.filter((r) => r.re.test(path));
    const fewest = Math.min(...matching.map((r) => r.params));
    return matching.filter((r) => r.params === fewest).flatMap((r) => r.methods);
  };
}
