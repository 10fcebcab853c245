// Content-Type parsing per RFC 9110 §8.3.1:
//
//   media-type = type "/" subtype parameters
//   parameters = *( OWS ";" OWS [ parameter ] )        (§5.6.6)
//   parameter  = parameter-name "=" parameter-value
//   parameter-value = token / quoted-string            (§5.6.4)
//
// Type, subtype and parameter names are case-insensitive; parameter values
// are case-sensitive unless their definition says otherwise (charset does).

export interface MediaType {
  /** Lower-cased `type`, e.g. `application`. */
  readonly type: string;
  /** Lower-cased `subtype`, e.g. `merge-patch+json`. */
  readonly subtype: string;
  /** `type/subtype`, lower-cased. */
  readonly essence: string;
  /** Parameter names lower-cased; quoted-string values unescaped. */
  readonly params: ReadonlyMap<string, string>;
}

// tchar (RFC 9110 §5.6.2): "!#$%&'*+-.^_`|~" / DIGIT / ALPHA
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// qdtext and the second byte of quoted-pair (RFC 9110 §5.6.4), obs-text included.
const QDTEXT = /[\t \x21\x23-\x5B\x5D-\x7E\x80-\xFF]/;
const QUOTED_PAIR_CHAR = /[\t \x21-\x7E\x80-\xFF]/;

function isWhitespace(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/**
 * Parses one Content-Type field value. Returns `undefined` when the value does
 * not match the grammar, including a parameter given twice: two `boundary` or
 * `charset` values would let different parsers disagree about the body.
 */
export function parseMediaType(value: string): MediaType | undefined {
  const length = value.length;
  let index = 0;
  while (isWhitespace(value[index])) index++;

  const readToken = (): string => {
    const start = index;
    while (index < length && TOKEN_CHAR.test(value[index]!)) index++;
    return value.slice(start, index);
  };

  const type = readToken().toLowerCase();
  if (type === '' || value[index] !== '/') return undefined;
  index++;
  const subtype = readToken().toLowerCase();
  if (subtype === '') return undefined;

  const params = new Map<string, string>();
  for (;;) {
    while (isWhitespace(value[index])) index++;
    if (index >= length) break;
    if (value[index] !== ';') return undefined;
    index++;
    while (isWhitespace(value[index])) index++;
    // `[ parameter ]`: an empty parameter (";;" or a trailing ";") is allowed.
    if (index >= length || value[index] === ';') continue;

    const name = readToken().toLowerCase();
    if (name === '' || value[index] !== '=') return undefined;
    index++;

    let paramValue: string;
    if (value[index] === '"') {
      index++;
      let unescaped = '';
      let closed = false;
      while (index < length) {
        const char = value[index]!;
        if (char === '"') {
          closed = true;
          index++;
          break;
        }
        if (char === '\\') {
          const escaped = value[index + 1];
          if (escaped === undefined || !QUOTED_PAIR_CHAR.test(escaped)) return undefined;
          unescaped += escaped;
          index += 2;
          continue;
        }
        if (!QDTEXT.test(char)) return undefined;
        unescaped += char;
        index++;
      }
      if (!closed) return undefined;
      paramValue = unescaped;
    } else {
      paramValue = readToken();
      if (paramValue === '') return undefined;
    }

    if (params.has(name)) return undefined;
    params.set(name, paramValue);
  }

  return { type, subtype, essence: `${type}/${subtype}`, params };
}

/** JSON is `application/json` or any structured-syntax `+json` type (RFC 6839 §3.1). */
export function isJsonMediaType(mediaType: MediaType): boolean {
  return mediaType.essence === 'application/json' || mediaType.subtype.endsWith('+json');
}

/** True when the `charset` parameter is absent or names UTF-8. */
export function hasUtf8Charset(mediaType: MediaType): boolean {
  const charset = mediaType.params.get('charset');
  if (charset === undefined) return true;
  const normalised = charset.toLowerCase();
  // "utf8" is not the IANA name but is common enough in the wild to accept.
  return normalised === 'utf-8' || normalised === 'utf8';
}

// RFC 2046 §5.1.1: boundary := 0*69<bchars> bcharsnospace, 1 to 70 characters.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

export function isValidBoundary(boundary: string): boolean {
  return BOUNDARY.test(boundary);
}
