/**
 * The real D1 binding, wrapped to count the SQL statements prepared through it. Everything is
 * passed through; only the count is added.
 */
export function countingD1(d1: D1Database) {
  const statements: string[] = [];
  const wrapped = new Proxy(d1, {
    get(target, property) {
      if (property === 'prepare') {
        return (sql: string) => {
          statements.push(sql);
          return target.prepare(sql);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { d1: wrapped, statements };
}
