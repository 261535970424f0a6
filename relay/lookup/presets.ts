import type { HttpSourceSpec } from './source-spec';

/**
 * Ready templates for CRMs: a customer fills in a token (from an environment variable) and the
 * account's domain or id. Each follows the CRM's public API reference for a phone search (cited)
 * and is tested against a local server that answers what that reference documents
 * (relay/presets.test.ts). `term` is the number form sent (default below, per CRM); `baseUrl`
 * points at another region or a test server.
 */
export interface PresetParams {
  name: string;
  token: string;
  baseUrl?: string;
  term?: string;
  timeoutMs: number;
  /** CRM-specific: portalId (HubSpot), companyDomain (Pipedrive), instanceUrl (Salesforce)… */
  [key: string]: string | number | undefined;
}

type Preset = {
  /** Parameters the customer must give besides the token. */
  required: string[];
  build: (p: PresetParams) => Omit<HttpSourceSpec, 'name' | 'timeoutMs' | 'maxBytes' | 'suffixDigits'>;
};

const s = (v: string | number | undefined) => (v === undefined ? '' : String(v));

export const PRESETS: Record<string, Preset> = {
  /** https://developers.hubspot.com/docs/api/crm/search — POST /crm/v3/objects/contacts/search */
  hubspot: {
    required: ['portalId'],
    build: (p) => ({
      method: 'POST',
      url: `${s(p.baseUrl) || 'https://api.hubapi.com'}/crm/v3/objects/contacts/search`,
      query: {},
      headers: {},
      body: {
        filterGroups: [
          { filters: [{ propertyName: 'phone', operator: 'EQ', value: s(p.term) || '{e164}' }] },
          { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: s(p.term) || '{e164}' }] },
        ],
        properties: ['firstname', 'lastname', 'company', 'phone', 'mobilephone'],
        limit: 10,
      },
      auth: { type: 'bearer', token: p.token },
      params: { portalId: s(p.portalId) },
      response: {
        items: '$.results[*]',
        name: ['$.properties.firstname', '$.properties.lastname'],
        company: '$.properties.company',
        id: '$.id',
        total: '$.total',
      },
      recordUrl: 'https://app.hubspot.com/contacts/{portalId}/record/0-1/{id}',
      searchUrl: 'https://app.hubspot.com/contacts/{portalId}/objects/0-1/views/all/list?query={digits}',
      match: 'exact',
    }),
  },
  /** https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons — GET /v1/persons/search */
  pipedrive: {
    required: ['companyDomain'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || `https://${s(p.companyDomain)}.pipedrive.com`}/api/v1/persons/search`,
      // The last digits, not exact: Pipedrive keeps numbers as typed (072-277-6772, +972…).
      query: { term: s(p.term) || '{suffix}', fields: 'phone', exact_match: 'false', limit: '10' },
      headers: {},
      auth: { type: 'query', param: 'api_token', value: p.token },
      params: { companyDomain: s(p.companyDomain) },
      response: {
        items: '$.data.items[*].item',
        name: '$.name',
        company: '$.organization.name',
        id: '$.id',
      },
      recordUrl: 'https://{companyDomain}.pipedrive.com/person/{id}',
      searchUrl: '',
      match: 'suffix',
    }),
  },
  /** https://www.zoho.com/crm/developer/docs/api/v2/search-records.html — GET /crm/v2/Contacts/search?phone= (204 when none) */
  zoho: {
    required: [],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || 'https://www.zohoapis.com'}/crm/v2/Contacts/search`,
      query: { phone: s(p.term) || '{e164}' },
      headers: {},
      auth: { type: 'header', header: 'Authorization', value: `Zoho-oauthtoken ${p.token}` },
      params: {},
      response: {
        items: '$.data[*]',
        name: '$.Full_Name',
        company: '$.Account_Name.name',
        id: '$.id',
        total: '$.info.count',
      },
      // Base URLs go in as configured (a placeholder's value would be URL-encoded).
      recordUrl: `${s(p.crmUrl) || 'https://crm.zoho.com/crm'}/tab/Contacts/{id}`,
      searchUrl: '',
      match: 'exact',
    }),
  },
  /** https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm */
  salesforce: {
    required: ['instanceUrl'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || s(p.instanceUrl)}/services/data/${s(p.apiVersion) || 'v60.0'}/parameterizedSearch/`,
      // Salesforce's phone search compares digits: the national number finds +972… and 072-… alike.
      query: { q: s(p.term) || '{national}', sobject: 'Contact', in: 'PHONE', 'Contact.fields': 'Id,Name,Account.Name' },
      headers: {},
      auth: { type: 'bearer', token: p.token },
      params: {},
      response: {
        items: '$.searchRecords[*]',
        name: '$.Name',
        company: '$.Account.Name',
        id: '$.Id',
      },
      recordUrl: `${s(p.instanceUrl)}/lightning/r/Contact/{id}/view`,
      searchUrl: '',
      match: 'exact',
    }),
  },
  /** https://developers.freshworks.com/crm/api/#lookup_search — GET /api/lookup?q=&f=&entities=contact */
  freshsales: {
    required: ['domain'],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || `https://${s(p.domain)}.myfreshworks.com/crm/sales`}/api/lookup`,
      query: { q: s(p.term) || '{e164}', f: s(p.field) || 'mobile_number', entities: 'contact' },
      headers: {},
      auth: { type: 'header', header: 'Authorization', value: `Token token=${p.token}` },
      params: { domain: s(p.domain) },
      response: {
        items: '$.contacts.contacts[*]',
        name: ['$.first_name', '$.last_name'],
        id: '$.id',
      },
      recordUrl: 'https://{domain}.myfreshworks.com/crm/sales/contacts/{id}',
      searchUrl: '',
      match: 'exact',
    }),
  },
  /** https://developer.zendesk.com/api-reference/sales-crm/resources/contacts/#retrieve-all-contacts — GET /v2/contacts?phone= */
  'zendesk-sell': {
    required: [],
    build: (p) => ({
      method: 'GET',
      url: `${s(p.baseUrl) || 'https://api.getbase.com'}/v2/contacts`,
      query: { phone: s(p.term) || '{e164}', per_page: '10' },
      headers: {},
      auth: { type: 'bearer', token: p.token },
      params: {},
      response: {
        items: '$.items[*].data',
        name: '$.name',
        company: '$.organization_name',
        id: '$.id',
        total: '$.meta.count',
      },
      recordUrl: 'https://app.futuresimple.com/crm/contacts/{id}',
      searchUrl: '',
      match: 'exact',
    }),
  },
};
