/** Whether `value` is an object with a function under each of `methods`: how clients and stores given in options are recognised. */
export function hasMethods<T>(value: unknown, methods: readonly string[]): value is T {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function')
  );
}
