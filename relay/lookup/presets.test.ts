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
  // https://developers.hubspot.com/docs/api/crm/search (Search: POST /crm/v3/objects/contacts/search);
  // the answer's shape: CollectionResponseWithTotalSimplePublicObject (hubspot-api-nodejs codegen/crm/contacts).
  it('HubSpot: searches the normalised and the typed numbers, keeps only the record with the caller\'s number', async () => {
    const contact = (id: string, firstname: string, phone: string, mobilephone: string | null) => ({
      id,
      properties: { createdate: '2026-01-02T10:00:00Z', firstname, lastname: 'Cohen', company: 'Acme', phone, mobilephone, hs_object_id: id, lastmodifieddate: '2026-03-04T10:00:00Z' },
      createdAt: '2026-01-02T10:00:00Z',
      updatedAt: '2026-03-04T10:00:00Z',
      archived: false,
    });
    const { identity, request, steps } = await presetLookup({ kind: 'hubspot', portalId: '4242', appHost: 'app-eu1.hubspot.com' }, () => ({
      body: { total: 2, results: [contact('511', 'Other', '(03) 555-1234', null), contact('512', 'Dana', '072-277-6772', '+972 50-000-0000')] },
    }));
    expect(request).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/search' });
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

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm
  it('Salesforce: parameterized search of Contacts in phone fields, both number forms, at most 10', async () => {
    const { identity, request } = await presetLookup({ kind: 'salesforce', instanceUrl: 'https://acme.my.salesforce.com' }, () => ({
      body: {
        searchRecords: [
          {
            attributes: { type: 'Contact', url: '/services/data/v60.0/sobjects/Contact/003D000000QV9n2IAD' },
            Id: '003D000000QV9n2IAD',
            Name: 'Maya Katz',
            Phone: '(072) 277-6772',
            MobilePhone: null,
            HomePhone: null,
            OtherPhone: null,
            Account: { attributes: { type: 'Account', url: '/services/data/v60.0/sobjects/Account/001D000000IqhSLIAZ' }, Name: 'Katz Industries' },
          },
        ],
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/services/data/v60.0/parameterizedSearch/' });
    expect(Object.fromEntries(request.query)).toMatchObject({ q: '972722776772 OR 0722776772', sobject: 'Contact', in: 'PHONE', overallLimit: '10' });
    expect(request.query.get('Contact.fields')).toContain('MobilePhone');
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(identity).toMatchObject({ name: 'Maya Katz', company: 'Katz Industries', url: 'https://acme.my.salesforce.com/lightning/r/Contact/003D000000QV9n2IAD/view' });
  });

  // https://developers.freshworks.com/crm/api/#lookup_search (GET /api/lookup?q=&f=&entities=)
  it('Freshsales: looks contacts up by the configured field with the API key', async () => {
    const account = (id: number, name: string, isPrimary: boolean) => ({ partial: true, id, name, avatar: null, website: null, open_deals_amount: '0.0', open_deals_count: 0, is_primary: isPrimary });
    const { identity, request } = await presetLookup({ kind: 'freshsales', domain: 'acme', field: 'work_number' }, (req) =>
      req.path === '/api/contacts/70000123'
        ? { body: { contact: { id: 70000123, display_name: 'Tal Mor', sales_accounts: [account(1, 'Old Co', false), account(2, 'Mor Trading', true)] } } }
        : { body: { contacts: { contacts: [{ id: 70000123, first_name: 'Tal', last_name: 'Mor', display_name: 'Tal Mor', mobile_number: null, work_number: '072 277 6772', email: 'tal@example.com' }] } } },
    );
    expect(server!.requests[1]).toMatchObject({ path: '/api/contacts/70000123' });
    expect(server!.requests[1]!.query.get('include')).toBe('sales_accounts');
    expect(request).toMatchObject({ method: 'GET', path: '/api/lookup' });
    expect(Object.fromEntries(request.query)).toEqual({ q: '+972722776772', f: 'work_number', entities: 'contact' });
    expect(request.headers.authorization).toBe('Token token=tok-123');
    expect(identity).toMatchObject({ name: 'Tal Mor', company: 'Mor Trading', id: '70000123', url: 'https://acme.myfreshworks.com/crm/sales/contacts/70000123' });
  });

  // https://developer.zendesk.com/api-reference/sales-crm/resources/contacts/#retrieve-all-contacts (GET /v2/contacts)
  it('Zendesk Sell: keeps only contacts whose phone or mobile is the caller\'s (the list filter is not documented for phone)', async () => {
    const contact = (id: number, name: string, phone: string | null, mobile: string | null) => ({
      data: { id, name, first_name: name.split(' ')[0], last_name: name.split(' ')[1], is_organization: false, contact_id: 7, phone, mobile, email: null },
      meta: { type: 'contact' },
    });
    // The organisation is a contact too (is_organization: true), read by its id (ContactsService#find: GET /v2/contacts/{id}).
    const organisation = { data: { id: 7, name: 'Shani Logistics', is_organization: true, phone: null, mobile: null }, meta: { type: 'contact' } };
    const { identity, request } = await presetLookup({ kind: 'zendesk-sell' }, (req) =>
      req.path === '/v2/contacts/7'
        ? { body: organisation }
        : { body: { items: [contact(1, 'Someone Else', '+44 20 7946 0000', null), contact(2, 'Omer Shani', null, '072-2776772')], meta: { type: 'collection', count: 2, links: { self: 'https://api.getbase.com/v2/contacts?page=1&per_page=10' } } } },
    );
    expect(request).toMatchObject({ method: 'GET', path: '/v2/contacts' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(identity).toMatchObject({ name: 'Omer Shani', company: 'Shani Logistics', id: '2', total: 1, url: 'https://app.futuresimple.com/crm/contacts/2' });
    expect(server!.requests.map((r) => r.path)).toEqual(['/v2/contacts', '/v2/contacts/7']);
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
