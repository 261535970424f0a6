/**
 * Each preset against a local server that answers what the CRM's public API reference documents
 * for a phone search (the page is cited beside each case, and in relay/lookup/presets.ts). The server also
 * checks the request the way the CRM would: path, method, credentials, search parameters.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePhone } from '../../shared/phone';
import { LookupChain } from './chain';
import { loadLookupConfig } from './config';
import { httpSource } from './sources';
import { json, testServer, type SeenRequest, type TestServer } from '../tests/crm-servers';
import { freshsalesFilteredAnswer, hubspotSearchAnswer, salesforceSearchAnswer, zendeskSearchAnswer } from './preset-fixtures';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const phone = parsePhone('972722776772', 'IL');
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Loads a preset exactly as a customer writes it in RELAY_CONFIG, pointed at the local server. */
async function presetLookup(preset: Record<string, unknown>, answer: (req: SeenRequest) => { status?: number; body?: unknown }) {
  server = await testServer((req, res) => {
    const { status = 200, body } = answer(req);
    if (status === 204) return void res.writeHead(204).end();
    json(res, body, status);
  });
  const dir = mkdtempSync(join(tmpdir(), 'preset-'));
  const file = join(dir, 'lookup.json');
  writeFileSync(file, JSON.stringify({ sources: [{ ...preset, token: '${CRM_TOKEN}', baseUrl: server.url }] }));
  const config = loadLookupConfig(file, { CRM_TOKEN: 'tok-123' });
  const source = config.sources[0]!;
  if (source.kind !== 'http') throw new Error('a preset is an http source');
  const chain = new LookupChain({
    sources: [httpSource(source, 'IL')],
    cache: null,
    searchUrl: '',
    circuit: { failures: 5, cooldownMs: 30_000 },
    log: pino({ level: 'silent' }),
  });
  const traced = await chain.trace(phone);
  return { identity: traced.identity, steps: traced.steps, request: server.requests[0]! };
}

describe('CRM presets', () => {
  // https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm (POST /crm/objects/<version>/contacts/search);
  // the answer as the reference's example (preset-fixtures.ts, hubspotSearchAnswer).
  it('HubSpot: searches on the current date version, the normalised and the typed numbers, keeps only the record with the caller\'s number', async () => {
    const contact = (id: string, firstname: string, phone: string, mobilephone: string | null) => ({ id, properties: { createdate: '2026-01-02T10:00:00Z', firstname, lastname: 'Cohen', company: 'Acme', phone, mobilephone, lastmodifieddate: '2026-03-04T10:00:00Z' } });
    const { identity, request, steps } = await presetLookup({ kind: 'hubspot', portalId: '4242', appHost: 'app-eu1.hubspot.com' }, () => ({
      body: hubspotSearchAnswer([contact('511', 'Other', '(03) 555-1234', null), contact('512', 'Dana', '072-277-6772', '+972 50-000-0000')]),
    }));
    expect(request).toMatchObject({ method: 'POST', path: '/crm/objects/2026-09/contacts/search' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    const body = JSON.parse(request.body);
    expect(body.filterGroups).toEqual([
      { filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'EQ', value: '722776772' }] },
      { filters: [{ propertyName: 'hs_searchable_calculated_mobile_number', operator: 'EQ', value: '722776772' }] },
      { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+972722776772' }] },
      { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '+972722776772' }] },
    ]);
    expect(body.properties).toEqual(expect.arrayContaining(['phone', 'mobilephone']));
    expect(identity).toMatchObject({ status: 'found', name: 'Dana Cohen', company: 'Acme', id: '512', total: 1, url: 'https://app-eu1.hubspot.com/contacts/4242/record/0-1/512' });
    expect(steps[0]!.candidates!.map((c) => [c.name, c.kept])).toEqual([['Other Cohen', false], ['Dana Cohen', true]]);
  });

  it('HubSpot: apiVersion picks another date version, or the legacy v3 path; anything else is refused at start', async () => {
    const paths: string[] = [];
    for (const apiVersion of ['2026-03', 'v3']) {
      const { request } = await presetLookup({ kind: 'hubspot', portalId: '4242', apiVersion }, () => ({ body: hubspotSearchAnswer([]) }));
      paths.push(request.path);
      await server?.close();
      server = undefined;
    }
    expect(paths).toEqual(['/crm/objects/2026-03/contacts/search', '/crm/v3/objects/contacts/search']);
    const file = join(mkdtempSync(join(tmpdir(), 'preset-')), 'lookup.yaml');
    writeFileSync(file, 'sources:\n  - kind: hubspot\n    portalId: "4242"\n    token: ${T}\n    apiVersion: v4\n');
    expect(() => loadLookupConfig(file, { T: 'x' })).toThrow('hubspot: apiVersion "v4" is neither a date version (such as 2026-09) nor v3');
  });

  // Pipedrive API v2 persons search: GET /api/v2/persons/search; answer data.items[].{result_score, item}
  // (pipedrive/client-nodejs src/versions/v2/models, PersonSearchItemItem: id, type, name, phones[], emails[], visible_to, owner, organization, custom_fields, notes).
  it('Pipedrive (API v2): searches persons by the last digits with the x-api-token header; a fuzzy hit on other digits is dropped', async () => {
    const person = (id: number, name: string, phones: string[]) => ({
      result_score: 0.61,
      item: { id, type: 'person', name, phones, emails: [], visible_to: 3, owner: { id: 1 }, organization: { id: 5, name: 'Levi Ltd', address: null }, custom_fields: [], notes: [] },
    });
    const { identity, request } = await presetLookup({ kind: 'pipedrive', companyDomain: 'acme' }, () => ({
      body: { success: true, data: { items: [person(87, 'Not Him', ['+1 722 776 7729']), person(88, 'Avi Levi', ['072-277-6772'])] }, additional_data: { next_cursor: null } },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/api/v2/persons/search' });
    expect(Object.fromEntries(request.query)).toEqual({ term: '722776772', fields: 'phone', exact_match: 'false', limit: '10' });
    expect(request.headers['x-api-token']).toBe('tok-123');
    expect(identity).toMatchObject({ name: 'Avi Levi', company: 'Levi Ltd', id: '88', total: 1, how: 'exact number', url: 'https://acme.pipedrive.com/person/88' });
  });

  // https://www.zoho.com/crm/developer/docs/api/v8/search-records.html (GET /crm/v8/{module}/search; 204 when none)
  it('Zoho CRM (API v8): searches Contacts by phone in the account\'s data centre; the record link names the org', async () => {
    const { identity, request } = await presetLookup({ kind: 'zoho', dc: 'eu', orgId: '20071234' }, () => ({
      body: {
        data: [{ id: '4150868000000225013', Full_Name: 'Noa Bar', First_Name: 'Noa', Last_Name: 'Bar', Phone: '+972-72-2776772', Mobile: null, Email: 'noa@example.com', Account_Name: { name: 'Bar & Co', id: '4150868000000224005' }, $approved: true }],
        info: { per_page: 200, count: 1, page: 1, more_records: false },
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/crm/v8/Contacts/search' });
    expect(request.query.get('phone')).toBe('+972722776772');
    expect(request.headers.authorization).toBe('Zoho-oauthtoken tok-123');
    expect(identity).toMatchObject({ name: 'Noa Bar', company: 'Bar & Co', url: 'https://crm.zoho.eu/crm/org20071234/tab/Contacts/4150868000000225013' });
  });

  it('Zoho CRM: reads "204 No Content" (no record) as nobody', async () => {
    const { identity } = await presetLookup({ kind: 'zoho' }, () => ({ status: 204 }));
    expect(identity.status).toBe('unknown');
  });

  // https://developer.salesforce.com/docs/platform/api-rest/guide/resources-search.html (GET /services/data/vXX.X/search/?q=SOSL);
  // the answer as "Search for a String" shows it (preset-fixtures.ts, salesforceSearchAnswer).
  it('Salesforce: one SOSL search of Contacts in phone fields, both number forms OR\'ed, at most 10', async () => {
    const { identity, request } = await presetLookup({ kind: 'salesforce', instanceUrl: 'https://acme.my.salesforce.com' }, () => ({
      body: salesforceSearchAnswer([
        { Id: '003D000000QV9n2IAD', Name: 'Maya Katz', Phone: '(072) 277-6772', MobilePhone: null, HomePhone: null, OtherPhone: null, Account: { attributes: { type: 'Account', url: '/services/data/v60.0/sobjects/Account/001D000000IqhSLIAZ' }, Name: 'Katz Industries' } },
      ]),
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/services/data/v60.0/search/' });
    expect(Object.fromEntries(request.query)).toEqual({ q: 'FIND {972722776772 OR 0722776772} IN PHONE FIELDS RETURNING Contact(Id, Name, Account.Name, Phone, MobilePhone, HomePhone, OtherPhone) LIMIT 10' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(identity).toMatchObject({ name: 'Maya Katz', company: 'Katz Industries', url: 'https://acme.my.salesforce.com/lightning/r/Contact/003D000000QV9n2IAD/view' });
  });

  it('Salesforce: a term with signs SOSL reserves (+ in {e164}, - in {local}) is refused at start', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'preset-')), 'lookup.yaml');
    for (const term of ['{e164}', '{local}', '+{digits}']) {
      writeFileSync(file, `sources:\n  - kind: salesforce\n    instanceUrl: https://acme.my.salesforce.com\n    token: \${T}\n    term: "${term}"\n`);
      expect(() => loadLookupConfig(file, { T: 'x' })).toThrow(`salesforce: term "${term}" would put signs SOSL reserves`);
    }
    writeFileSync(file, 'sources:\n  - kind: salesforce\n    instanceUrl: https://acme.my.salesforce.com\n    token: ${T}\n    term: "{nsn} OR {national}"\n');
    expect(loadLookupConfig(file, { T: 'x' }).sources[0]).toMatchObject({ query: { q: expect.stringContaining('FIND {{nsn} OR {national}}') } });
  });

  // https://developers.freshworks.com/crm/api/#filtered_search (POST /api/filtered_search/contact with filter_rule);
  // the answer as preset-fixtures.ts (freshsalesFilteredAnswer) says where it comes from.
  it('Freshsales: filtered search of contacts on the configured field with the API key; the company from the contact\'s view', async () => {
    const account = (id: number, name: string, isPrimary: boolean) => ({ partial: true, id, name, avatar: null, website: null, open_deals_amount: '0.0', open_deals_count: 0, is_primary: isPrimary });
    const { identity, request } = await presetLookup({ kind: 'freshsales', domain: 'acme', field: 'work_number' }, (req) =>
      req.path === '/api/contacts/70000123'
        ? { body: { contact: { id: 70000123, display_name: 'Tal Mor', sales_accounts: [account(1, 'Old Co', false), account(2, 'Mor Trading', true)] } } }
        : { body: freshsalesFilteredAnswer([{ id: 70000123, first_name: 'Tal', last_name: 'Mor', display_name: 'Tal Mor', mobile_number: null, work_number: '072 277 6772', email: 'tal@example.com' }]) },
    );
    expect(request).toMatchObject({ method: 'POST', path: '/api/filtered_search/contact' });
    expect(JSON.parse(request.body)).toEqual({ filter_rule: [{ attribute: 'work_number', operator: 'is_in', value: '+972722776772' }] });
    expect(request.headers.authorization).toBe('Token token=tok-123');
    expect(server!.requests[1]).toMatchObject({ method: 'GET', path: '/api/contacts/70000123' });
    expect(server!.requests[1]!.query.get('include')).toBe('sales_accounts');
    expect(identity).toMatchObject({ name: 'Tal Mor', company: 'Mor Trading', id: '70000123', url: 'https://acme.myfreshworks.com/crm/sales/contacts/70000123' });
  });

  it('Freshsales: without a field, the mobile number is searched', async () => {
    const { request } = await presetLookup({ kind: 'freshsales', domain: 'acme' }, () => ({ body: freshsalesFilteredAnswer([]) }));
    expect(JSON.parse(request.body).filter_rule[0]).toMatchObject({ attribute: 'mobile_number', value: '+972722776772' });
  });

  // https://developer.zendesk.com/api-reference/sales-crm/search/query-language (POST /v3/contacts/search: projection, filter);
  // the answer as the projections example (preset-fixtures.ts, zendeskSearchAnswer).
  it('Zendesk Sell: the Search API on phone or mobile, only the caller\'s record kept, the organisation read by its id', async () => {
    const contact = (id: number, display_name: string, phone: string | null, mobile: string | null) => ({ id, display_name, phone, mobile, contact_id: 7 });
    // The organisation is a contact too (is_organization: true), read by its id (ContactsService#find: GET /v2/contacts/{id}).
    const organisation = { data: { id: 7, name: 'Shani Logistics', is_organization: true, phone: null, mobile: null }, meta: { type: 'contact' } };
    const { identity, request } = await presetLookup({ kind: 'zendesk-sell' }, (req) =>
      req.path === '/v2/contacts/7' ? { body: organisation } : { body: zendeskSearchAnswer([contact(123, 'Someone Else', '+44 20 7946 0000', null), contact(456, 'Omer Shani', null, '072-2776772')]) },
    );
    expect(request).toMatchObject({ method: 'POST', path: '/v3/contacts/search' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    const [item] = JSON.parse(request.body).items;
    expect(item.per_page).toBe(10);
    expect(item.data.query.projection.map((p: { name: string }) => p.name)).toEqual(['display_name', 'phone', 'mobile', 'contact_id']);
    expect(item.data.query.filter).toEqual({
      or: [
        { filter: { attribute: { name: 'phone' }, parameter: { eq: '+972722776772' } } },
        { filter: { attribute: { name: 'mobile' }, parameter: { eq: '+972722776772' } } },
      ],
    });
    expect(identity).toMatchObject({ name: 'Omer Shani', company: 'Shani Logistics', id: '456', total: 1, url: 'https://app.futuresimple.com/crm/contacts/456' });
    expect(server!.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v3/contacts/search', 'GET /v2/contacts/7']);
    expect(server!.requests[1]!.headers.authorization).toBe('Bearer tok-123');
  });

  it('an answer of the wrong shape, or records without a phone, leave the caller unknown', async () => {
    for (const body of [{ results: 'x' }, { total: 3, results: [{ id: '9', properties: { firstname: 'No', lastname: 'Phone', phone: null, mobilephone: '' } }] }, []]) {
      const { identity } = await presetLookup({ kind: 'hubspot', portalId: '4242' }, () => ({ body }));
      expect(identity.status).toBe('unknown');
      await server?.close();
      server = undefined;
    }
  });

  it('Zoho and Salesforce take an OAuth client and refresh token instead of a fixed token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preset-'));
    const file = join(dir, 'lookup.yaml');
    writeFileSync(file, 'sources:\n  - kind: zoho\n    dc: eu\n    clientId: 1000.ABC\n    clientSecret: ${S}\n    refreshToken: ${R}\n');
    const source = loadLookupConfig(file, { S: 'secret', R: 'refresh' }).sources[0]!;
    expect(source.kind === 'http' && source.auth).toEqual({ type: 'oauth2-refresh', tokenUrl: 'https://accounts.zoho.eu/oauth/v2/token', clientId: '1000.ABC', clientSecret: 'secret', refreshToken: 'refresh', scheme: 'Zoho-oauthtoken' });
    writeFileSync(file, 'sources:\n  - kind: salesforce\n    instanceUrl: https://acme.my.salesforce.com\n    refreshToken: ${R}\n');
    expect(() => loadLookupConfig(file, { R: 'refresh' })).toThrow('sources.0.clientId: is required with refreshToken');
    writeFileSync(file, 'sources:\n  - kind: zoho\n');
    expect(() => loadLookupConfig(file, {})).toThrow('sources.0.token: is required for zoho (or refreshToken)');
  });

  it('a preset says which parameter it misses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preset-'));
    const file = join(dir, 'lookup.yaml');
    writeFileSync(file, 'sources:\n  - kind: hubspot\n    token: ${T}\n');
    expect(() => loadLookupConfig(file, { T: 'x' })).toThrow(`${file}: sources.0.portalId: is required for hubspot`);
  });
});
