/**
 * Names fixed by the IVR Web Hook contract (docs/webhook.md, lists as the original platform sends them).
 * They live here because the loader must refuse dynamic parameters that collide with them; the webhook
 * layer imports the same lists so the two can never disagree.
 */

/** The automatic parameters, in the order they are sent. */
export const AUTOMATIC_PARAMS = [
  'ivr_number_called',
  'ivr_caller_id',
  'ivr_id',
  'ivr_response_id',
  'ivr_timestamp',
  'ivr_pass_through',
  'ivr_call_result',
  'ivr_completed',
  'ivr_session_id',
  'ivr_monitored_time',
  'ivr_opted_out',
] as const;

/** The SourceTrak parameters, in the seed's order (sent when `include_sourcetrak` is on). */
export const SOURCETRAK_PARAMS = [
  'st_rank',
  'st_search_term',
  'st_referer',
  'st_baseuri',
  'st_activity_keyword',
  'st_displayed_timestamp',
  'st_ip_address',
  'st_document_title',
  'st_browser',
  'st_os',
  'st_ibp_custom',
  'st_ibp_unique_id',
  'st_pid',
  'st_domain_set_id',
  'st_gclid',
  'st_google_ua_client_id',
  'st_pool_name',
  'st_location_name',
  'st_sourceguard',
  'st_campaign',
  'st_platform',
  'st_url_tag',
] as const;

export type AutomaticParam = (typeof AUTOMATIC_PARAMS)[number];
export type SourcetrakParam = (typeof SOURCETRAK_PARAMS)[number];

const AUTOMATIC = new Set<string>(AUTOMATIC_PARAMS);
const SOURCETRAK = new Set<string>(SOURCETRAK_PARAMS);

/**
 * Which contract list a dynamic parameter name collides with, if any: such a parameter would be
 * ambiguous for the receiver (the spec makes it a configuration error, SourceTrak on or off).
 */
export function reservedParamKind(name: string): 'automatic' | 'sourcetrak' | undefined {
  if (AUTOMATIC.has(name)) return 'automatic';
  if (SOURCETRAK.has(name)) return 'sourcetrak';
  return undefined;
}

/** `@name` in prompts and user parameter names: letters, digits and `_` (spec "user_parameters"). */
export const USER_PARAM_NAME = /^[A-Za-z0-9_]+$/;
