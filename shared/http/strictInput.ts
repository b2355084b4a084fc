// What zod's object parsing lets through silently and the API refuses (400, naming the field): keys that the
// schema does not declare (zod strips them; the OpenAPI document promises `additionalProperties: false`),
// and text that is not well-formed (a lone UTF-16 surrogate, a NUL), which nobody should have to store.
import type { ZodType } from 'zod';

export interface InputIssue {
  pointer: string;
  detail: string;
}

/** The parts of a zod 4 schema definition this check walks (`schema._zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, ZodType>;
  catchall?: ZodType;
  innerType?: ZodType;
  in?: ZodType;
  element?: ZodType;
  options?: readonly ZodType[];
  left?: ZodType;
  right?: ZodType;
  valueType?: ZodType;
  items?: readonly ZodType[];
  rest?: ZodType | null;
  getter?: () => ZodType;
}

const defOf = (schema: ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;
const pointerOf = (path: readonly (string | number)[]) => `/${path.map(String).join('/')}`;
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Keys of `value` the schema does not declare, wherever they are (nested objects, array items). */
export function unknownKeyIssues(schema: ZodType, value: unknown, path: (string | number)[] = []): InputIssue[] {
  const def = defOf(schema);
  switch (def.type) {
    case 'object': {
      if (!isObject(value) || !def.shape) return [];
      const issues: InputIssue[] = [];
      for (const key of Object.keys(value)) {
        const child = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined; // not Object.prototype's
        if (child) issues.push(...unknownKeyIssues(child, value[key], [...path, key]));
        // strip (no catchall) or strict (never): unknown; zod itself names a strict object's only outside unions
        else if (!def.catchall || defOf(def.catchall).type === 'never')
          issues.push({ pointer: pointerOf([...path, key]), detail: 'Unknown field.' });
        else issues.push(...unknownKeyIssues(def.catchall, value[key], [...path, key]));
      }
      return issues;
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType ? unknownKeyIssues(def.innerType, value, path) : [];
    case 'pipe':
      return def.in ? unknownKeyIssues(def.in, value, path) : [];
    case 'lazy':
      return def.getter ? unknownKeyIssues(def.getter(), value, path) : [];
    case 'array':
      return Array.isArray(value) && def.element
        ? value.flatMap((item, i) => unknownKeyIssues(def.element!, item, [...path, i]))
        : [];
    case 'tuple':
      return Array.isArray(value)
        ? value.flatMap((item, i) => {
            const itemSchema = def.items?.[i] ?? def.rest ?? undefined;
            return itemSchema ? unknownKeyIssues(itemSchema, item, [...path, i]) : [];
          })
        : [];
    case 'record':
      return isObject(value) && def.valueType
        ? Object.entries(value).flatMap(([key, item]) => unknownKeyIssues(def.valueType!, item, [...path, key]))
        : [];
    case 'intersection': {
      // A key is unknown only when neither side declares it.
      if (!def.left || !def.right) return [];
      const right = new Set(unknownKeyIssues(def.right, value, path).map((i) => i.pointer));
      return unknownKeyIssues(def.left, value, path).filter((i) => right.has(i.pointer));
    }
    case 'union': {
      // The branch that fits best: none reported when one branch takes every key.
      const perOption = (def.options ?? []).map((option) => unknownKeyIssues(option, value, path));
      if (perOption.length === 0) return [];
      return perOption.reduce((best, issues) => (issues.length < best.length ? issues : best));
    }
    default:
      return [];
  }
}

const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Strings (values and keys) holding a lone surrogate or a NUL character. */
export function illFormedTextIssues(value: unknown, path: (string | number)[] = []): InputIssue[] {
  if (typeof value === 'string') {
    if (loneSurrogate.test(value))
      return [{ pointer: pointerOf(path), detail: 'The text is not well-formed Unicode.' }];
    if (value.includes('\u0000')) return [{ pointer: pointerOf(path), detail: 'The text holds a NUL character.' }];
    return [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => illFormedTextIssues(item, [...path, i]));
  if (isObject(value)) {
    return Object.entries(value).flatMap(([key, item]) => [
      ...illFormedTextIssues(key, [...path, key]).map((issue) => ({
        ...issue,
        detail: `The field name: ${issue.detail}`,
      })),
      ...illFormedTextIssues(item, [...path, key]),
    ]);
  }
  return [];
}

/** Both checks: what the API refuses beyond the schema itself. */
export function strictInputIssues(schema: ZodType, value: unknown): InputIssue[] {
  return [...unknownKeyIssues(schema, value), ...illFormedTextIssues(value)];
}
