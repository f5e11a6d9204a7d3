/** SOQL errors in Salesforce's shape: the query, a caret, the position and the reason. */
import { ApiError } from './errors.ts';

export function soqlError(errorCode: string, soql: string, token: string | undefined, reason: string): ApiError {
  const oneLine = soql.replace(/\s+/g, ' ').trim();
  const at = token ? Math.max(0, oneLine.toLowerCase().indexOf(token.toLowerCase())) : 0;
  const message = `\n${oneLine}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\n${reason}`;
  return new ApiError(400, errorCode, message);
}

export function noSuchColumn(soql: string, name: string, object: string): ApiError {
  return soqlError(
    'INVALID_FIELD',
    soql,
    name,
    `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

export function unsupportedObject(soql: string, name: string): ApiError {
  return soqlError(
    'INVALID_TYPE',
    soql,
    name,
    `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}
