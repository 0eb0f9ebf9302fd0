/**
 * Maps `items` through an async `work`, one after another, in order: for work that writes, or that must
 * see what the previous item wrote (one transaction's statements run one at a time anyway).
 */
export async function inOrder<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const [index, item] of items.entries()) results.push(await work(item, index));
  return results;
}
