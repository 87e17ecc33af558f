// Writes schema/smets1-migration.xsd and schema/xmldsig-signature.xsd from the model.
// Usage: npx tsx src/core/schema/write-xsd.ts [outDir]   (default: ./schema)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_FILE, SIGNATURE_SCHEMA_FILE } from './model.js';
import { generateSignatureXsd, generateXsd } from './xsd.js';

const dir = process.argv[2] ?? 'schema';
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, SCHEMA_FILE), generateXsd());
writeFileSync(join(dir, SIGNATURE_SCHEMA_FILE), generateSignatureXsd());
process.stdout.write(`wrote ${join(dir, SCHEMA_FILE)} and ${join(dir, SIGNATURE_SCHEMA_FILE)}\n`);
