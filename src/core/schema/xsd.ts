// Generate the XSD text of the SMETS1 Migration Schema (TMAD 10.1) from the model (model.ts).
// Pure: returns strings; `write-xsd.ts` writes them to schema/.
import {
  COMPLEX_TYPES,
  DSIG_NAMESPACE,
  ROOTS,
  SCHEMA_VERSION,
  SIGNATURE_SCHEMA_FILE,
  SIMPLE_TYPES,
  TARGET_NAMESPACE,
  type ElementParticle,
} from './model.js';
import { escapeAttribute as esc } from '../../lib/xml/writer.js';

function particle(p: ElementParticle, indent: string): string {
  const occurs =
    (p.minOccurs !== 1 ? ` minOccurs="${p.minOccurs}"` : '') +
    (p.maxOccurs !== 1 ? ` maxOccurs="${p.maxOccurs === Infinity ? 'unbounded' : p.maxOccurs}"` : '');
  if (p.type === 'ds:Signature') return `${indent}<xs:element ref="ds:Signature"${occurs}/>`;
  return `${indent}<xs:element name="${p.name}" type="m:${p.type}"${occurs}/>`;
}

/** The text of schema/smets1-migration.xsd. */
export function generateXsd(): string {
  const out: string[] = [];
  out.push('<?xml version="1.0" encoding="UTF-8"?>');
  out.push('<!-- GENERATED from src/core/schema/model.ts by src/core/schema/write-xsd.ts: do not edit. -->');
  out.push('<!-- SMETS1 Migration Schema (TMAD 10.1, SEC Appendix AL 7.2X), as authored by s1mig. -->');
  out.push(
    '<!-- Structural only: elements, order, cardinality, lexical types (see docs/SPEC-DECISIONS.md). -->',
  );
  out.push(
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:m="${TARGET_NAMESPACE}" xmlns:ds="${DSIG_NAMESPACE}"`,
  );
  out.push(
    `  targetNamespace="${TARGET_NAMESPACE}" elementFormDefault="qualified" attributeFormDefault="unqualified" version="${SCHEMA_VERSION}">`,
  );
  out.push(`  <xs:import namespace="${DSIG_NAMESPACE}" schemaLocation="${SIGNATURE_SCHEMA_FILE}"/>`);
  out.push('');
  out.push('  <!-- Roots: Table 10.2 (signed files) and Table 11.2.1 (decrypted plaintexts). -->');
  for (const r of ROOTS) {
    out.push(`  <xs:element name="${r.element}" type="m:${r.type}">`);
    out.push(
      `    <xs:annotation><xs:documentation>${esc(`${r.fileType}: ${r.clause}${r.signed ? '; ends with ds:Signature' : '; not signed'}`)}</xs:documentation></xs:annotation>`,
    );
    out.push('  </xs:element>');
  }
  out.push('');
  for (const t of COMPLEX_TYPES) {
    out.push(`  <xs:complexType name="${t.name}">`);
    out.push(`    <xs:annotation><xs:documentation>${esc(t.doc)}</xs:documentation></xs:annotation>`);
    out.push('    <xs:sequence>');
    for (const p of t.sequence) out.push(particle(p, '      '));
    out.push('    </xs:sequence>');
    out.push('  </xs:complexType>');
  }
  out.push('');
  for (const t of SIMPLE_TYPES) {
    out.push(`  <xs:simpleType name="${t.name}">`);
    out.push(`    <xs:annotation><xs:documentation>${esc(t.doc)}</xs:documentation></xs:annotation>`);
    const facets: string[] = [];
    if (t.minLength !== undefined) facets.push(`      <xs:minLength value="${t.minLength}"/>`);
    if (t.maxLength !== undefined) facets.push(`      <xs:maxLength value="${t.maxLength}"/>`);
    if (t.pattern !== undefined) facets.push(`      <xs:pattern value="${esc(t.pattern)}"/>`);
    if (facets.length === 0) out.push(`    <xs:restriction base="xs:${t.base}"/>`);
    else {
      out.push(`    <xs:restriction base="xs:${t.base}">`);
      out.push(...facets);
      out.push('    </xs:restriction>');
    }
    out.push('  </xs:simpleType>');
  }
  out.push('</xs:schema>');
  return out.join('\n') + '\n';
}

/**
 * The text of schema/xmldsig-signature.xsd: a LOOSE local declaration of ds:Signature (no network
 * access, no DOCTYPE). The XMLDSig profile of Table 10.1 (enveloped, exc-c14n, ECDSA-SHA256, SHA-256,
 * KeyInfo = X509IssuerSerial) is enforced by the signature verifier (TMAD 5.9.2), not by the schema.
 */
export function generateSignatureXsd(): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- GENERATED from src/core/schema/model.ts by src/core/schema/write-xsd.ts: do not edit. -->',
    '<!-- Loose declaration of ds:Signature for the SMETS1 Migration Schema (TMAD 10.1). The XMLDSig -->',
    '<!-- profile of Table 10.1 is checked by the signature verifier (TMAD 5.9.2), not here. -->',
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="${DSIG_NAMESPACE}"`,
    '  elementFormDefault="qualified">',
    '  <xs:element name="Signature">',
    '    <xs:complexType>',
    '      <xs:sequence>',
    '        <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>',
    '      </xs:sequence>',
    '      <xs:anyAttribute namespace="##any" processContents="skip"/>',
    '    </xs:complexType>',
    '  </xs:element>',
    '</xs:schema>',
    '',
  ].join('\n');
}
