import { ConfigError } from '../platform/config';
import type { HttpSourceSpec } from './source-spec';

/**
 * Ready templates for CRMs: a customer fills in a token (from an environment variable) — or, where
 * the CRM's tokens expire, an OAuth client and refresh token — and the account's domain or id.
 * Each follows the CRM's public API reference or official SDK for a phone search (cited beside it)
 * and is tested against a local server answering the shapes those document (lookup/presets.test.ts).
 * Every preset names the record's phone fields, so each record returned is verified against the
 * caller's number (lookup/verify.ts): fuzzy and last-digit searches never name the wrong person.
 * `term` is the number form sent (default below, per CRM); `baseUrl` points at a test server.
 */
export interface PresetParams {
  name: string;
  /** A fixed API token (HubSpot service key, Pipedrive, Freshsales, Zendesk Sell). */
  token?: string;
  /** OAuth 2 refresh (Zoho, Salesforce): the client and the refresh token. */
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  baseUrl?: string;
  term?: string;
  timeoutMs: number;
  /** CRM-specific: portalId and apiVersion (HubSpot), companyDomain (Pipedrive), instanceUrl (Salesforce)… */
  [key: string]: string | number | undefined;
}

type Preset = {
  /** Parameters the customer must give: each entry one name, or alternatives ("token|refreshToken"). */
  required: string[];
  build: (p: PresetParams) => Omit<HttpSourceSpec, 'name' | 'timeoutMs' | 'maxBytes' | 'suffixDigits'>;
};

const s = (v: string | number | undefined) => (v === undefined ? '' : String(v));

/** OAuth 2 refresh when a refresh token is given, else the fixed token in the CRM's header form. */
function tokenOrRefresh(p: PresetParams, tokenUrl: string, scheme: string): HttpSourceSpec['auth'] {
  if (p.refreshToken) return { type: 'oauth2-refresh', tokenUrl: s(p.tokenUrl) || tokenUrl, clientId: s(p.clientId), clientSecret: s(p.clientSecret), refreshToken: s(p.refreshToken), scheme };
  return { type: 'header', header: 'Authorization', value: `${scheme} ${s(p.token)}` };
}

/** HubSpot's current date version (the version schedule is cited beside the preset). */
const HUBSPOT_VERSION = '2026-09';

/** The contacts search path of a HubSpot API version: a date version (2026-09), or the legacy v3. */
function hubspotSearchPath(version: string): string {
  if (/^\d{4}-\d{2}$/.test(version)) return `/crm/objects/${version}/contacts/search`;
  if (version === 'v3') return '/crm/v3/objects/contacts/search';
  throw new ConfigError(`hubspot: apiVersion "${version}" is neither a date version (such as ${HUBSPOT_VERSION}) nor v3`);
}

const SALESFORCE_FIELDS = 'Id, Name, Account.Name, Phone, MobilePhone, HomePhone, OtherPhone';

/**
 * A Salesforce `term`: number forms made of digits only, and words (SOSL's OR), as nothing put in
 * FIND {…} is escaped and SOSL reserves + - and other signs there.
 */
function soslTerm(term: string): string {
  const forms = [...term.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const digitsOnly = forms.every((f) => ['digits', 'national', 'nsn', 'suffix'].includes(f));
  if (!digitsOnly || !/^[\w\s]*$/.test(term.replace(/\{\w+\}/g, ''))) {
    throw new ConfigError(`salesforce: term "${term}" would put signs SOSL reserves (+, -, …) into FIND {…}: use {digits}, {national}, {nsn} or {suffix}, joined by OR`);
  }
  return term;
}

export const PRESETS: Record<string, Preset> = {
  /**
   * HubSpot's APIs are date-versioned since 2026-03-30: a version every March and September, each
   * supported 18 months after it came out (https://developers.hubspot.com/docs/developer-tooling/platform/versioning.md);
   * the numeric ones (v1–v4) are unsupported from September 2027, and the migration guide names
   * 2026-09 the latest (https://developers.hubspot.com/docs/api-reference/legacy/migration-guide).
   * Search: POST /crm/objects/<version>/contacts/search
   * (https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm); `apiVersion: v3`
   * keeps the legacy POST /crm/v3/objects/contacts/search
   * (https://developers.hubspot.com/docs/api-reference/legacy/crm/search-the-crm.md) while it lasts.
   * `phone`/`mobilephone` EQ match only the number as typed; HubSpot also keeps normalised copies,
   * `hs_searchable_calculated_phone_number` / `…_mobile_number` (the number without country code):
   * all four are searched (filter groups are OR'ed; at most 5). Search allows 4 requests a second per token.
   * The token: a service key (Development > Keys > Service keys, scope crm.objects.contacts.read;
   * https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/account-service-keys),
   * as new legacy private apps can no longer be created
   * (https://developers.hubspot.com/changelog/legacy-private-app-creation-sunset); an existing
   * private app's token works the same way.
   * The app's host differs by data centre (app.hubspot.com, app-eu1.hubspot.com, app-na2…): `appHost`.
   */
  hubspot: {
    required: ['portalId', 'token'],
    build: (p) => ({
      method: 'POST',
      url: `${s(p.baseUrl) || 'https://api.hubapi.com'}${hubspotSearchPath(s(p.apiVersion) || HUBSPOT_VERSION)}`,
      query: {},
      headers: {},
      body: {
        filterGroups: [
          { filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ', value: s(p.term) || '{nsn}' }] },
          { filters: [{ propertyName: 'hs_searchable_calculated_mobile_number', operator: 'EQ', value: s(p.term) || '{nsn}' }] },
          { filters: [{ propertyName: 'phone', operator: 'EQ', value: '{e164}' }] },
          { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '{e164}' }] },
        ],
        properties: ['firstname', 'lastname', 'company', 'phone', 'mobilephone'],
        limit: 10,
      },
      auth: { type: 'bearer', token: s(p.token) },
      params: { portalId: s(p.portalId), appHost: s(p.appHost) || 'app.hubspot.com' },
      response: {
        items: '$.results[*]',
        name: ['$.properties.firstname', '$.properties.lastname'],
        company: '$.properties.company',
        id: '$.id',
        phone: ['$.properties.phone', '$.properties.mobilephone'],
      },
      recordUrl: 'https://{appHost}/contacts/{portalId}/record/0-1/{id}',
      searchUrl: 'https://{appHost}/contacts/{portalId}/objects/0-1/views/all/list?query={nsn}',
      match: 'exact',
      limit: { concurrent: 4, perSecond: 4 },
    }),
  },
  /**
   * Persons search, API v2 (v1's was deprecated on 1 Jan 2026 and is out of support from 1 Aug 2026):
   * GET https://{companyDomain}.pipedrive.com/api/v2/persons/search?term=&fields=phone&exact_match=&limit=,
   * token in the `x-api-token` header; answer `data.items[].item.{id, name, phones[], organization.name}`
   * (pipedrive/client-nodejs src/versions/v2/models/, PersonSearchItemItem).
   */
  pipedrive: {
    required: ['companyDomain', 'token'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || `https://${s(p.companyDomain)}.pipedrive.com`}/api/v2/persons/search`,
      // The last digits, not exact: Pipedrive keeps numbers as typed (072-277-6772, +972…); each is verified.
      query: { term: s(p.term) || '{suffix}', fields: 'phone', exact_match: 'false', limit: '10' },
      headers: {},
      auth: { type: 'header', header: 'x-api-token', value: s(p.token) },
      params: { companyDomain: s(p.companyDomain) },
      response: {
        items: '$.data.items[*].item',
        name: '$.name',
        company: '$.organization.name',
        id: '$.id',
        phone: '$.phones[*]',
      },
      recordUrl: 'https://{companyDomain}.pipedrive.com/person/{id}',
      searchUrl: '',
      match: 'suffix',
    }),
  },
  /**
   * https://www.zoho.com/crm/developer/docs/api/v8/search-records.html — GET /crm/v8/Contacts/search?phone=
   * (204 when none). Access tokens live an hour: OAuth refresh against the accounts server of the
   * account's data centre (https://www.zoho.com/crm/developer/docs/api/v8/refresh.html), scopes
   * ZohoCRM.modules.contacts.READ and ZohoSearch.securesearch.READ. `dc`: com, eu, in, com.au, jp, ca, sa, com.cn.
   * Record links: https://crm.zoho.<dc>/crm/org<orgId>/tab/Contacts/<id>.
   */
  zoho: {
    required: ['token|refreshToken'],
    build: (p) => {
      const dc = s(p.dc) || 'com';
      const org = s(p.orgId) ? `/org${s(p.orgId)}` : '';
      return {
        method: 'GET',
        url: `${s(p.baseUrl) || `https://www.zohoapis.${dc}`}/crm/v8/Contacts/search`,
        query: { phone: s(p.term) || '{e164}' },
        headers: {},
        auth: tokenOrRefresh(p, `https://accounts.zoho.${dc}/oauth/v2/token`, 'Zoho-oauthtoken'),
        params: {},
        response: {
          items: '$.data[*]',
          name: '$.Full_Name',
          company: '$.Account_Name.name',
          id: '$.id',
          phone: ['$.Phone', '$.Mobile', '$.Home_Phone', '$.Other_Phone', '$.Asst_Phone'],
        },
        // Base URLs go in as configured (a placeholder's value would be URL-encoded).
        recordUrl: `${s(p.crmUrl) || `https://crm.zoho.${dc}/crm${org}`}/tab/Contacts/{id}`,
        searchUrl: '',
        match: 'exact',
      };
    },
  },
  /**
   * SOSL through the Search resource: GET /services/data/<v>/search/?q=FIND {…} IN PHONE FIELDS
   * RETURNING Contact(…) LIMIT 10 (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-search.html,
   * the SOSL syntax at https://developer.salesforce.com/docs/platform/salesforce-soql-sosl/guide/sforce-api-calls-sosl-syntax.html).
   * Not Parameterized Search: its `q` takes a search string and "SOSL clauses aren't supported"
   * (https://developer.salesforce.com/docs/atlas.en-us.234.0.api_rest.meta/api/resources_search_parameterized.htm),
   * and phone search matches numbers as typed: the international digits OR the national form, an OR
   * SOSL's FIND documents. `term` goes into FIND {…} as it is, so only digit-only forms are taken
   * (+ and - are SOSL's reserved characters). Sessions expire: OAuth refresh against the instance's token
   * endpoint (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm),
   * whose answer carries no `expires_in` (the org's session timeout): a 401 renews it.
   */
  salesforce: {
    required: ['instanceUrl', 'token|refreshToken'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || s(p.instanceUrl)}/services/data/${s(p.apiVersion) || 'v60.0'}/search/`,
      query: { q: `FIND {${soslTerm(s(p.term) || '{digits} OR {national}')}} IN PHONE FIELDS RETURNING Contact(${SALESFORCE_FIELDS}) LIMIT 10` },
      headers: {},
      auth: tokenOrRefresh(p, `${s(p.instanceUrl)}/services/oauth2/token`, 'Bearer'),
      params: {},
      response: {
        items: '$.searchRecords[*]',
        name: '$.Name',
        company: '$.Account.Name',
        id: '$.Id',
        phone: ['$.Phone', '$.MobilePhone', '$.HomePhone', '$.OtherPhone'],
      },
      recordUrl: `${s(p.instanceUrl)}/lightning/r/Contact/{id}/view`,
      searchUrl: '',
      match: 'exact',
    }),
  },
  /**
   * Filtered search, POST /api/filtered_search/contact with a filter rule on the field holding the
   * number (`field`, default mobile_number; work_number or a custom cf_ field), answer `contacts[]`
   * (https://developers.freshworks.com/crm/api/#filtered_search). Not the lookup (GET /api/lookup?f=):
   * it takes email, name or a custom cf_ field only. Records verified on mobile_number and work_number.
   * The company is the contact's primary sales account, read from the contact's view with its
   * accounts (GET /api/contacts/{id}?include=sales_accounts, https://developers.freshworks.com/crm/api/#view_a_contact;
   * the accounts' shape as in bitfox-git/FreshworksApi src/Models/SalesAccountPartial.cs: id, name, is_primary).
   */
  freshsales: {
    required: ['domain', 'token'],
    build: (p) => {
      const base = s(p.baseUrl) || `https://${s(p.domain)}.myfreshworks.com/crm/sales`;
      return {
        method: 'POST',
        url: `${base}/api/filtered_search/contact`,
        query: {},
        headers: {},
        body: { filter_rule: [{ attribute: s(p.field) || 'mobile_number', operator: 'is_in', value: s(p.term) || '{e164}' }] },
        auth: { type: 'header', header: 'Authorization', value: `Token token=${s(p.token)}` },
        params: { domain: s(p.domain) },
        response: {
          items: '$.contacts[*]',
          name: ['$.first_name', '$.last_name'],
          id: '$.id',
          phone: ['$.mobile_number', '$.work_number'],
        },
        companyFrom: {
          id: '$.id',
          url: `${base}/api/contacts/{companyId}?include=sales_accounts`,
          name: ['$.contact.sales_accounts[?(@.is_primary)].name'],
        },
        recordUrl: 'https://{domain}.myfreshworks.com/crm/sales/contacts/{id}',
        searchUrl: '',
        match: 'exact',
      };
    },
  },
  /**
   * The Search API, POST /v3/contacts/search: one query item with a projection (only id and version
   * come back unasked) and an OR filter on `phone` and `mobile`, answer `items[0].items[].data`
   * (https://developer.zendesk.com/api-reference/sales-crm/search/query-language,
   * https://developer.zendesk.com/api-reference/sales-crm/search/projections). Not GET /v2/contacts:
   * `phone` is not among its filters (zendesk/basecrm-ruby lib/basecrm/services/contacts_service.rb,
   * ContactsService#where). Every record is still verified on `phone` and `mobile`. A contact names
   * its organisation only by `contact_id`: its name is read from GET /v2/contacts/{id}
   * (ContactsService#find). Zendesk ends Sell on 2027-08-31.
   */
  'zendesk-sell': {
    required: ['token'],
    build: (p) => {
      const base = s(p.baseUrl) || 'https://api.getbase.com';
      const term = s(p.term) || '{e164}';
      return {
        method: 'POST',
        url: `${base}/v3/contacts/search`,
        query: {},
        headers: {},
        body: {
          items: [
            {
              data: {
                query: {
                  projection: ['display_name', 'phone', 'mobile', 'contact_id'].map((name) => ({ name })),
                  filter: { or: ['phone', 'mobile'].map((name) => ({ filter: { attribute: { name }, parameter: { eq: term } } })) },
                },
              },
              per_page: 10,
            },
          ],
        },
        auth: { type: 'bearer', token: s(p.token) },
        params: {},
        response: {
          items: '$.items[0].items[*].data',
          name: '$.display_name',
          id: '$.id',
          phone: ['$.phone', '$.mobile'],
        },
        companyFrom: { id: '$.contact_id', url: `${base}/v2/contacts/{companyId}`, name: '$.data.name' },
        recordUrl: 'https://app.futuresimple.com/crm/contacts/{id}',
        searchUrl: '',
        match: 'exact',
      };
    },
  },
};
