import { documentOf, escapeHtml, html, join, trustedHtml } from './html';

describe('html templates', () => {
  it('escape every interpolated text, in content and in attributes', () => {
    const typed = `<script>alert("x")</script>' onload='x`;
    const page = html`<p title="${typed}">${typed}</p>`;
    expect(page.markup).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#39;x</p>',
    );
  });

  it('place fragments as they are, and nested texts escaped once', () => {
    const inner = html`<b>${'a & b'}</b>`;
    expect(html`<p>${inner}</p>`.markup).toBe('<p><b>a &amp; b</b></p>');
  });

  it('render nothing for absent values and booleans, numbers as text, arrays item by item', () => {
    const items = ['<1>', 2, undefined, null, false, html`<i>3</i>`];
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.markup).toBe(
      '<ul><li>&lt;1&gt;</li><li>2</li><li></li><li></li><li></li><li><i>3</i></li></ul>',
    );
    const absent: boolean = items.length > 100;
    expect(html`${true}${absent && html`<x></x>`}`.markup).toBe('');
  });

  it('join with an escaped separator', () => {
    expect(join(['a', html`<b>b</b>`, 'c&'], ' & ').markup).toBe('a &amp; <b>b</b> &amp; c&amp;');
  });

  it('escape the five characters that matter, and nothing else', () => {
    expect(escapeHtml(`&<>"' é/=`)).toBe('&amp;&lt;&gt;&quot;&#39; é/=');
  });

  it('make a document with its doctype; trusted markup stays verbatim', () => {
    expect(documentOf(html`<html>${trustedHtml('<svg></svg>')}</html>`)).toBe(
      '<!doctype html>\n<html><svg></svg></html>',
    );
  });
});
