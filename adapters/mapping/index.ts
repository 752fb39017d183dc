/**
 * The declarative conversion engine for adapters: mapping specs (fields, code tables, dates,
 * numbers, conditions, arrays, custom conversions), the request-element serializer and
 * conversion provenance.
 */
export { defineMapping, type Mapping } from './engine';
export { nest, type CustomConversion, type FieldRule, type MappingSpec } from './spec';
export { CodeTable, defineCodeTable } from './code-table';
export { fromNativeDate, toNativeDate } from './datetime';
export { firstNonGbkChar, firstNonXmlChar } from './charset';
export { invalidNative } from './errors';
export { serializeElement, xmlForm, type XmlNamespace } from './xml';
export { provenance } from './provenance';
