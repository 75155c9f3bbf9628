// The portal's templates: tagged template literals that escape every interpolated value. A page
// is built only from `html` fragments, so a value a person typed (or a service returned) can
// never become markup: there is no way to interpolate unescaped text except another fragment.

/** A fragment of HTML built by {@link html}: safe to place in a page as it is. */
export class Html {
  /** Only {@link html}, {@link join} and {@link trustedHtml} construct fragments. */
  private constructor(readonly markup: string) {}

  /** @internal */
  static of(markup: string): Html {
    return new Html(markup);
  }

  toString(): string {
    return this.markup;
  }
}

/**
 * What a template may interpolate. Text and numbers are escaped; `undefined`, `null` and `false`
 * render nothing (for `${condition && html`...`}`); arrays render each item.
 */
export type Interpolation =
  Html | string | number | boolean | null | undefined | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.markup;
  if (value === undefined || value === null || value === false || value === true) return '';
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/** The template tag: `html\`<p>${text}</p>\`` escapes `text`. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  let markup = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    markup += render(values[i]) + (strings[i + 1] ?? '');
  }
  return Html.of(markup);
}

/** Fragments one after another, with `separator` (escaped text or a fragment) between them. */
export function join(items: readonly Interpolation[], separator: Interpolation = ''): Html {
  return Html.of(items.map(render).join(render(separator)));
}

/**
 * Markup from the portal's own source (an inline SVG drawn from numbers): never pass text that
 * came from a request or a service.
 */
export function trustedHtml(markup: string): Html {
  return Html.of(markup);
}

/** The document as the HTTP answer's body. */
export function documentOf(page: Html): string {
  return `<!doctype html>\n${page.markup}`;
}
