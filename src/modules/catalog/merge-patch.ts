// JSON Merge Patch (RFC 7386): a patch is a partial document. A member that
// is absent leaves the target's member alone, `null` removes it, an object
// merges recursively, and anything else (strings, numbers, arrays) replaces
// the member whole — arrays are never merged element by element. A patch
// that is not an object replaces the whole target.
//
// The algorithm is the RFC's §2 pseudo-code. It returns a new value and never
// mutates its inputs, so the representation it was applied to stays intact.
// Members are defined, not assigned, so a `__proto__` member in a patch is
// data like any other and can never swap the result's prototype.

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) {
      // Not JSON: a member a schema left undefined was absent, so it leaves alone.
      continue;
    } else if (value === null) {
      Reflect.deleteProperty(result, name);
    } else {
      Object.defineProperty(result, name, {
        value: applyMergePatch(Object.hasOwn(result, name) ? result[name] : undefined, value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return result;
}
