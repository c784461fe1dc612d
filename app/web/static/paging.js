// A list read a page at a time behind a "More" button, for the start screen's lists and the
// panels' runs and versions.

// load(offset) answers {items, total}; show(items, offset) draws a page; describe(shown, total)
// is the line above the list; failed(err, offset) says a page could not be read. Answers the
// first page's promise.
export function paged({ ctx, more, info, load, show, describe, failed }) {
  let offset = 0;
  const page = async () => {
    more.disabled = true;
    try {
      const { items, total } = await load(offset);
      if (!ctx.current()) return;
      show(items, offset);
      offset += items.length;
      const count = total ?? offset;
      info.textContent = describe(offset, count);
      more.hidden = offset >= count || items.length === 0;
    } catch (err) {
      if (!ctx.current()) return;
      if (err.unauthorized) ctx.unauthorized(err);
      failed(err, offset);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener("click", page);
  return page();
}

// "1 run", "3 runs".
export const plural = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;
