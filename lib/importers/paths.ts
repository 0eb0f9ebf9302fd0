/** Path helpers for files as given (forward or back slashes), shared by importers that read a folder of files. */

/** The folder part of a path (`a/b/agent.mcs.yml` → `a/b/`), `""` at the root. */
export function folderOf(path: string): string {
  const slash = path.replace(/\\/g, "/").lastIndexOf("/");
  return slash < 0 ? "" : path.replace(/\\/g, "/").slice(0, slash + 1);
}

/** The last segment of a path. */
export function baseName(path: string): string {
  return path.replace(/\\/g, "/").split("/").pop() ?? path;
}
