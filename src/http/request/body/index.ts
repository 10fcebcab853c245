// Request body parsing: pure functions over a Node request stream.

export {
  defaultBodyLimits,
  isBodyKind,
  type BodyAccept,
  type BodyKind,
  type BodyLimits,
  type MultipartLimits,
} from './limits.ts';
export { parseBody, type ParseBodyOptions, type ParsedBody } from './parse-body.ts';
export { readBody, isClientAbortError, type BodySource } from './read-body.ts';
export { bodyBytesRead, countBodyBytes } from './bytes-read.ts';
export { parseJsonText } from './json.ts';
export { parseFormText } from './form.ts';
export { parseMediaType, type MediaType } from './media-type.ts';
export { sanitiseFilename, type UploadedFile } from './multipart.ts';
export type { FieldRecord } from './field-record.ts';
