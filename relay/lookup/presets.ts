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
  /** A fixed API token (HubSpot private app, Pipedrive, Freshsales, Zendesk Sell). */
  token?: string;
  /** OAuth 2 refresh (Zoho, Salesforce): the client and the refresh token. */
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  baseUrl?: string;
  term?: string;
  timeoutMs: number;
  /** CRM-specific: portalId (HubSpot), companyDomain (Pipedrive), instanceUrl (Salesforce)… */
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

export const PRESETS: Record<string, Preset> = {
  /**
   * https://developers.hubspot.com/docs/api/crm/search — POST /crm/v3/objects/contacts/search.
   * `phone`/`mobilephone` EQ match only the number as typed; HubSpot also keeps normalised copies,
   * `hs_searchable_calculated_phone_number` / `…_mobile_number` (the number without country code):
   * all four are searched (filter groups are OR'ed; at most 5). Search allows 4 requests a second per token.
   * The app's host differs by data centre (app.hubspot.com, app-eu1.hubspot.com, app-na2…): `appHost`.
   */
  hubspot: {
    required: ['portalId', 'token'],
    build: (p) => ({
      method: 'POST',
      url: `${s(p.baseUrl) || 'https://api.hubapi.com'}/crm/v3/objects/contacts/search`,
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
   * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm
   * Phone search matches numbers as typed: the international digits OR the national form (SOSL OR),
   * at most 10 records (`overallLimit`). Sessions expire: OAuth refresh against the instance's token
   * endpoint (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm),
   * whose answer carries no `expires_in` (the org's session timeout): a 401 renews it.
   */
  salesforce: {
    required: ['instanceUrl', 'token|refreshToken'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || s(p.instanceUrl)}/services/data/${s(p.apiVersion) || 'v60.0'}/parameterizedSearch/`,
      query: {
        q: s(p.term) || '{digits} OR {national}',
        sobject: 'Contact',
        in: 'PHONE',
        'Contact.fields': 'Id,Name,Account.Name,Phone,MobilePhone,HomePhone,OtherPhone',
        overallLimit: '10',
      },
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
   * https://developers.freshworks.com/crm/api/#lookup_search — GET /api/lookup?q=&f=&entities=contact:
   * the documented lookup by a field; which field holds the number is the account's (`field`, default
   * mobile_number). Records verified on mobile_number and work_number. The company is the contact's
   * primary sales account, read from the contact's view with its accounts (GET /api/contacts/{id}?include=sales_accounts,
   * https://developers.freshworks.com/crm/api/#view_a_contact; the accounts' shape as in bitfox-git/FreshworksApi
   * src/Models/SalesAccountPartial.cs: id, name, is_primary).
   */
  freshsales: {
    required: ['domain', 'token'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || `https://${s(p.domain)}.myfreshworks.com/crm/sales`}/api/lookup`,
      query: { q: s(p.term) || '{e164}', f: s(p.field) || 'mobile_number', entities: 'contact' },
      headers: {},
      auth: { type: 'header', header: 'Authorization', value: `Token token=${s(p.token)}` },
      params: { domain: s(p.domain) },
      response: {
        items: '$.contacts.contacts[*]',
        name: ['$.first_name', '$.last_name'],
        id: '$.id',
        phone: ['$.mobile_number', '$.work_number'],
      },
      companyFrom: {
        id: '$.id',
        url: `${s(p.baseUrl) || `https://${s(p.domain)}.myfreshworks.com/crm/sales`}/api/contacts/{companyId}?include=sales_accounts`,
        name: ['$.contact.sales_accounts[?(@.is_primary)].name'],
      },
      recordUrl: 'https://{domain}.myfreshworks.com/crm/sales/contacts/{id}',
      searchUrl: '',
      match: 'exact',
    }),
  },
  /**
   * https://developer.zendesk.com/api-reference/sales-crm/resources/contacts/#retrieve-all-contacts —
   * GET /v2/contacts (zendesk/basecrm-ruby ContactsService#where). `phone` is not among its documented
   * filters: every record returned is verified on `phone` and `mobile`. A contact names its organisation
   * only by `contact_id`: its name is read from GET /v2/contacts/{id} (ContactsService#find).
   * Zendesk ends Sell on 2027-08-31.
   */
  'zendesk-sell': {
    required: ['token'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || 'https://api.getbase.com'}/v2/contacts`,
      query: { phone: s(p.term) || '{e164}', per_page: '10' },
      headers: {},
      auth: { type: 'bearer', token: s(p.token) },
      params: {},
      response: {
        items: '$.items[*].data',
        name: '$.name',
        id: '$.id',
        phone: ['$.phone', '$.mobile'],
      },
      companyFrom: { id: '$.contact_id', url: `${s(p.baseUrl) || 'https://api.getbase.com'}/v2/contacts/{companyId}`, name: '$.data.name' },
      recordUrl: 'https://app.futuresimple.com/crm/contacts/{id}',
      searchUrl: '',
      match: 'exact',
    }),
  },
};
