/** A Dataform compilation error as the compiled graph reports it. */
export interface CompilationError {
  fileName?: string;
  actionName?: string;
  message?: string;
}

/**
 * Dataform's compilation errors as lines for a person: an include that throws (a bad var, a
 * typo) leaves its global undefined, so every action that uses it fails too with "<name> is not
 * defined". Those knock-on errors are folded into the include's own line ("... ; 21 actions that
 * use constants were not compiled"); every other error keeps its own line with file and action.
 */
export function describeCompilationErrors(errors: CompilationError[]): string[] {
  const firstLine = (e: CompilationError) => (e.message ?? '').split('\n')[0] ?? '';
  const failedIncludes = new Map<string, CompilationError>();
  for (const e of errors) {
    const include = /^includes\/([A-Za-z_$][\w$]*)\.js$/.exec(e.fileName ?? '')?.[1];
    if (include && !e.actionName && !failedIncludes.has(include)) failedIncludes.set(include, e);
  }
  const knockOns = new Map<string, number>();
  const kept: CompilationError[] = [];
  for (const e of errors) {
    const missing = /^([A-Za-z_$][\w$]*) is not defined$/.exec(firstLine(e))?.[1];
    if (missing && failedIncludes.has(missing) && e.actionName) {
      knockOns.set(missing, (knockOns.get(missing) ?? 0) + 1);
      continue;
    }
    kept.push(e);
  }
  return kept.map((e) => {
    const where = [e.fileName, e.actionName].filter(Boolean).join(', action ');
    const include = [...failedIncludes].find(([, error]) => error === e)?.[0];
    const skipped = include ? (knockOns.get(include) ?? 0) : 0;
    const tail = skipped > 0 ? `; ${skipped} action${skipped === 1 ? '' : 's'} that use ${include} could not compile because of it` : '';
    return `${where || 'project'}: ${firstLine(e)}${tail}`;
  });
}
