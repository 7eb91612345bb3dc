// A deliberately small Markdown renderer for the incident report: headings, paragraphs, lists, block quotes, fenced
// code, tables, rules, and inline code / bold / italics / links / backslash escapes. It builds Preact elements from
// the text, so nothing in the report is ever interpreted as HTML. Trace ids in code spans link to their waterfall;
// the caller may link other code spans (fingerprints) through a `linker`.
import type { ComponentChildren, VNode } from 'preact';
import { href } from '../router.js';

const TRACE_ID = /^[0-9a-f]{32}$/i;
/** Tables longer than this fold behind a summary line (the report page charts the long series). */
const LONG_TABLE_ROWS = 12;

function safeHref(url: string): string | undefined {
  const trimmed = url.trim();
  if (/^https?:\/\//i.test(trimmed) || trimmed.startsWith('#') || trimmed.startsWith('/')) return trimmed;
  return undefined;
}

/** Maps the text of a code span to a link target, or `undefined` to leave it as code. */
export type CodeLinker = (code: string) => string | undefined;

const linkTraceIds: CodeLinker = (code) => (TRACE_ID.test(code) ? href(['traces', code.toLowerCase()]) : undefined);

function codeSpan(text: string, key: number, linker: CodeLinker): VNode {
  const target = linkTraceIds(text) ?? linker(text);
  if (target) {
    return (
      <a key={key} href={target} data-testid="report-code-link">
        <code>{text}</code>
      </a>
    );
  }
  return <code key={key}>{text}</code>;
}

const noLinks: CodeLinker = () => undefined;

/** Inline formatting; anything not recognised stays literal text. */
export function inline(text: string, linker: CodeLinker = noLinks): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  // Underscore emphasis only at word boundaries (as in CommonMark), so ids like `window.__xss` stay literal.
  const pattern =
    /\\([\\`*_{}[\]()#+\-.!|<>~])|`([^`]+)`|\*\*([^*]+)\*\*|(?<![\p{L}\p{N}_])__([^_]+)__(?![\p{L}\p{N}_])|\*([^*\s][^*]*)\*|(?<![\p{L}\p{N}_])_([^_\s][^_]*)_(?![\p{L}\p{N}_])|\[([^\]]+)\]\(([^)\s]+)\)/gu;
  let last = 0;
  let key = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(codeSpan(m[2], key++, linker));
    else if (m[3] !== undefined || m[4] !== undefined)
      out.push(<strong key={key++}>{inline(m[3] ?? m[4] ?? '', linker)}</strong>);
    else if (m[5] !== undefined || m[6] !== undefined)
      out.push(<em key={key++}>{inline(m[5] ?? m[6] ?? '', linker)}</em>);
    else if (m[7] !== undefined && m[8] !== undefined) {
      const url = safeHref(m[8]);
      out.push(
        url ? (
          <a key={key++} href={url} rel="noreferrer noopener" target={url.startsWith('http') ? '_blank' : undefined}>
            {inline(m[7], linker)}
          </a>
        ) : (
          m[0]
        ),
      );
    }
    last = pattern.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function splitRow(line: string): string[] {
  return line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

const LIST_ITEM = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;

interface ListItem {
  indent: number;
  ordered: boolean;
  text: string;
  children: ListItem[];
}

function renderList(items: ListItem[], key: number, linker: CodeLinker): VNode {
  const ordered = items[0]?.ordered ?? false;
  const children = items.map((item, i) => (
    <li key={i}>
      {inline(item.text, linker)}
      {item.children.length > 0 ? renderList(item.children, i, linker) : null}
    </li>
  ));
  return ordered ? <ol key={key}>{children}</ol> : <ul key={key}>{children}</ul>;
}

export function Markdown({
  source,
  testId,
  linker = noLinks,
}: {
  source: string;
  testId?: string;
  linker?: CodeLinker;
}) {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: VNode[] = [];
  let i = 0;
  let key = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^\s*(```|~~~)\s*([\w-]*)/.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] ?? '').trim().startsWith(fence[1] ?? '```')) body.push(lines[i++] ?? '');
      i++;
      blocks.push(
        <pre key={key++} class="code">
          <code>{body.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = Math.min(6, (heading[1] ?? '#').length + 1);
      const Tag = `h${level}` as 'h2';
      blocks.push(<Tag key={key++}>{inline(heading[2] ?? '', linker)}</Tag>);
      i++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      blocks.push(<hr key={key++} />);
      i++;
      continue;
    }
    if (line.trim().startsWith('|') && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1] ?? '')) {
      const header = splitRow(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && (lines[i] ?? '').trim().startsWith('|')) rows.push(splitRow(lines[i++] ?? ''));
      const table = (
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                {header.map((cell, c) => (
                  <th key={c}>{inline(cell, linker)}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) => (
                    <td key={c}>{inline(cell, linker)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
      blocks.push(
        rows.length > LONG_TABLE_ROWS ? (
          <details key={key++} class="long-table">
            <summary>Show the table ({rows.length} rows)</summary>
            {table}
          </details>
        ) : (
          <div key={key++}>{table}</div>
        ),
      );
      continue;
    }
    if (line.startsWith('>')) {
      const quote: string[] = [];
      while (i < lines.length && (lines[i] ?? '').startsWith('>')) quote.push((lines[i++] ?? '').replace(/^>\s?/, ''));
      blocks.push(
        <blockquote key={key++}>
          <Markdown source={quote.join('\n')} linker={linker} />
        </blockquote>,
      );
      continue;
    }
    if (LIST_ITEM.test(line)) {
      const root: ListItem[] = [];
      const stack: ListItem[] = [];
      while (i < lines.length) {
        const current = lines[i] ?? '';
        const m = LIST_ITEM.exec(current);
        if (!m) {
          // A continuation line belongs to the previous item; a blank line or other block ends the list.
          if (current.trim() !== '' && /^\s+/.test(current) && stack.length > 0) {
            const last = stack[stack.length - 1]!;
            last.text += ` ${current.trim()}`;
            i++;
            continue;
          }
          break;
        }
        const item: ListItem = {
          indent: (m[1] ?? '').length,
          ordered: /\d/.test(m[2] ?? ''),
          text: m[3] ?? '',
          children: [],
        };
        while (stack.length > 0 && stack[stack.length - 1]!.indent >= item.indent) stack.pop();
        (stack.length > 0 ? stack[stack.length - 1]!.children : root).push(item);
        stack.push(item);
        i++;
      }
      blocks.push(renderList(root, key++, linker));
      continue;
    }
    // Always consume the first line, so text that merely looks like the start of a block cannot stall the loop.
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length) {
      const current = lines[i] ?? '';
      if (current.trim() === '' || /^(#{1,6}\s|```|~~~|>|\s*\|)/.test(current) || LIST_ITEM.test(current)) break;
      para.push(current.trim());
      i++;
    }
    blocks.push(<p key={key++}>{inline(para.join(' '), linker)}</p>);
  }
  return (
    <div class="markdown" data-testid={testId}>
      {blocks}
    </div>
  );
}
