/**
 * The declarative conversion engine for adapters: mapping specs (fields, code tables, dates,
 * numbers, conditions, arrays, custom conversions), the request-element serializer and
 * conversion provenance.
 */
export { defineMapping, type Mapping, type MappingOptions } from './engine';
export { nest, type ConversionContext, type Condition, type CustomConversion, type FieldRule, type MappingSpec, type NativeDateFormat, type Scalar } from './spec';
export { CodeTable, defineCodeTable, type CodeTableEntries } from './code-table';
export { fromNativeDate, toNativeDate } from './datetime';
export { firstNonGbkChar, firstNonXmlChar } from './charset';
export { invalidNative, unmappedValue } from './errors';
export { asArray, readLeaf } from './values';
export { escapeXml, serializeElement, xmlForm, type XmlNamespace } from './xml';
export { provenance, type ProvenanceMeta } from './provenance';
