import { parsePhoneNumberWithError, type CountryCode } from 'libphonenumber-js/max';
import { UnprocessableError } from '../http/errors.ts';

/**
 * A phone number in E.164, read with the tenant's default country for numbers
 * written without a country code. An invalid number is a 422 naming the field.
 */
export function toE164(input: string, defaultCountry: string, field = 'body.phone'): string {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultCountry as CountryCode });
  } catch {
    parsed = undefined;
  }
  if (!parsed || !parsed.isValid()) {
    throw new UnprocessableError(`"${input.slice(0, 40)}" is not a valid phone number for ${defaultCountry}.`, [{ path: field, message: 'is not a valid phone number' }], 'invalid_phone');
  }
  return parsed.number;
}

/** For search: the E.164 form when the text reads as a phone number, else null. */
export function maybeE164(input: string, defaultCountry: string): string | null {
  try {
    const parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultCountry as CountryCode });
    return parsed.isPossible() ? parsed.number : null;
  } catch {
    return null;
  }
}
