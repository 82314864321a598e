import { stringify } from 'yaml';
import type { AutomationDocument } from '../../remediation/builder';
import { remediationDocument } from '../../remediation/document';
import { assertValidDocument } from '../../remediation/validate';
import { choice, parseOptions } from '../args';
import { EXIT, type Io } from '../io';
import { usageOf } from '../usage';

/** `document [--format json|yaml]`: prints the remediation document, after our validator has passed it. */
export async function run(argv: string[], io: Io, document: AutomationDocument = remediationDocument): Promise<number> {
  const { values } = parseOptions(argv, { format: { type: 'string' } }, usageOf('document'));
  const format = choice(values.format, 'format', ['json', 'yaml'] as const, 'json');
  // A broken document must never reach SSM: the InvalidDocumentError lists every problem (exit 2).
  assertValidDocument(document);
  // lineWidth 0: never fold the filter patterns, which must reach SSM byte for byte.
  io.out(format === 'json' ? JSON.stringify(document, null, 2) : stringify(document, { lineWidth: 0 }));
  return EXIT.ok;
}
