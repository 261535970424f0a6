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
    sources: [httpSource(source)],
    cache: null,
    searchUrl: '',
    circuit: { failures: 5, cooldownMs: 30_000 },
    log: pino({ level: 'silent' }),
  });
  const traced = await chain.trace(phone);
  return { identity: traced.identity, request: server.requests[0]! };
}

describe('CRM presets', () => {
  // https://developers.hubspot.com/docs/api/crm/search (Search: POST /crm/v3/objects/contacts/search)
  it('HubSpot: searches contacts by phone and mobile phone, opens the contact record', async () => {
    const { identity, request } = await presetLookup({ kind: 'hubspot', portalId: '4242' }, () => ({
      body: {
        total: 1,
        results: [
          {
            id: '512',
            properties: { createdate: '2026-01-02T10:00:00Z', firstname: 'Dana', lastname: 'Cohen', company: 'Acme', phone: '+972722776772', hs_object_id: '512' },
            createdAt: '2026-01-02T10:00:00Z',
            updatedAt: '2026-03-04T10:00:00Z',
            archived: false,
          },
        ],
      },
    }));
    expect(request).toMatchObject({ method: 'POST', path: '/crm/v3/objects/contacts/search' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    const body = JSON.parse(request.body);
    expect(body.filterGroups).toEqual([
      { filters: [{ propertyName: 'phone', operator: 'EQ', value: '+972722776772' }] },
      { filters: [{ propertyName: 'mobilephone', operator: 'EQ', value: '+972722776772' }] },
    ]);
    expect(identity).toMatchObject({ status: 'found', name: 'Dana Cohen', company: 'Acme', id: '512', url: 'https://app.hubspot.com/contacts/4242/record/0-1/512' });
  });

  // https://developers.pipedrive.com/docs/api/v1/Persons#searchPersons (GET /v1/persons/search)
  it('Pipedrive: searches persons by the last digits, with the API token', async () => {
    const { identity, request } = await presetLookup({ kind: 'pipedrive', companyDomain: 'acme' }, () => ({
      body: {
        success: true,
        data: {
          items: [
            {
              result_score: 0.61,
              item: {
                id: 88,
                type: 'person',
                name: 'Avi Levi',
                phones: ['072-277-6772'],
                emails: [],
                visible_to: 3,
                owner: { id: 1 },
                organization: { id: 5, name: 'Levi Ltd', address: null },
                custom_fields: [],
                notes: [],
              },
            },
          ],
        },
        additional_data: { pagination: { start: 0, limit: 10, more_items_in_collection: false } },
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/api/v1/persons/search' });
    expect(Object.fromEntries(request.query)).toEqual({ term: '722776772', fields: 'phone', exact_match: 'false', limit: '10', api_token: 'tok-123' });
    expect(identity).toMatchObject({ name: 'Avi Levi', company: 'Levi Ltd', id: '88', how: 'last 9 digits', url: 'https://acme.pipedrive.com/person/88' });
  });

  // https://www.zoho.com/crm/developer/docs/api/v2/search-records.html (GET /crm/v2/{module}/search)
  it('Zoho CRM: searches Contacts by phone with the OAuth token', async () => {
    const { identity, request } = await presetLookup({ kind: 'zoho' }, () => ({
      body: {
        data: [{ id: '4150868000000225013', Full_Name: 'Noa Bar', First_Name: 'Noa', Last_Name: 'Bar', Phone: '+972722776772', Account_Name: { name: 'Bar & Co', id: '4150868000000224005' } }],
        info: { per_page: 200, count: 1, page: 1, more_records: false },
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/crm/v2/Contacts/search' });
    expect(request.query.get('phone')).toBe('+972722776772');
    expect(request.headers.authorization).toBe('Zoho-oauthtoken tok-123');
    expect(identity).toMatchObject({ name: 'Noa Bar', company: 'Bar & Co', url: 'https://crm.zoho.com/crm/tab/Contacts/4150868000000225013' });
  });

  it('Zoho CRM: reads "204 No Content" (no record) as nobody', async () => {
    const { identity } = await presetLookup({ kind: 'zoho' }, () => ({ status: 204 }));
    expect(identity.status).toBe('unknown');
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_search_parameterized.htm
  it('Salesforce: parameterized search of Contacts in phone fields', async () => {
    const { identity, request } = await presetLookup({ kind: 'salesforce', instanceUrl: 'https://acme.my.salesforce.com' }, () => ({
      body: {
        searchRecords: [
          {
            attributes: { type: 'Contact', url: '/services/data/v60.0/sobjects/Contact/003D000000QV9n2IAD' },
            Id: '003D000000QV9n2IAD',
            Name: 'Maya Katz',
            Account: { attributes: { type: 'Account', url: '/services/data/v60.0/sobjects/Account/001D000000IqhSLIAZ' }, Name: 'Katz Industries' },
          },
        ],
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/services/data/v60.0/parameterizedSearch/' });
    expect(Object.fromEntries(request.query)).toMatchObject({ q: '0722776772', sobject: 'Contact', in: 'PHONE', 'Contact.fields': 'Id,Name,Account.Name' });
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(identity).toMatchObject({
      name: 'Maya Katz',
      company: 'Katz Industries',
      url: 'https://acme.my.salesforce.com/lightning/r/Contact/003D000000QV9n2IAD/view',
    });
  });

  // https://developers.freshworks.com/crm/api/#lookup_search (GET /api/lookup?q=&f=&entities=)
  it('Freshsales: looks contacts up by mobile number with the API key', async () => {
    const { identity, request } = await presetLookup({ kind: 'freshsales', domain: 'acme' }, () => ({
      body: { contacts: { contacts: [{ id: 70000123, first_name: 'Tal', last_name: 'Mor', display_name: 'Tal Mor', mobile_number: '+972722776772', email: 'tal@example.com' }] } },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/api/lookup' });
    expect(Object.fromEntries(request.query)).toEqual({ q: '+972722776772', f: 'mobile_number', entities: 'contact' });
    expect(request.headers.authorization).toBe('Token token=tok-123');
    expect(identity).toMatchObject({ name: 'Tal Mor', id: '70000123', url: 'https://acme.myfreshworks.com/crm/sales/contacts/70000123' });
  });

  // https://developer.zendesk.com/api-reference/sales-crm/resources/contacts/#retrieve-all-contacts (GET /v2/contacts)
  it('Zendesk Sell: filters contacts by phone', async () => {
    const { identity, request } = await presetLookup({ kind: 'zendesk-sell' }, () => ({
      body: {
        items: [{ data: { id: 1, name: 'Omer Shani', first_name: 'Omer', last_name: 'Shani', is_organization: false, phone: '+972722776772' }, meta: { type: 'contact' } }],
        meta: { type: 'collection', count: 1, links: { self: 'https://api.getbase.com/v2/contacts?page=1&per_page=10' } },
      },
    }));
    expect(request).toMatchObject({ method: 'GET', path: '/v2/contacts' });
    expect(request.query.get('phone')).toBe('+972722776772');
    expect(request.headers.authorization).toBe('Bearer tok-123');
    expect(identity).toMatchObject({ name: 'Omer Shani', id: '1', url: 'https://app.futuresimple.com/crm/contacts/1' });
  });

  it('a preset says which parameter it misses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preset-'));
    const file = join(dir, 'lookup.yaml');
    writeFileSync(file, 'sources:\n  - kind: hubspot\n    token: ${T}\n');
    expect(() => loadLookupConfig(file, { T: 'x' })).toThrow(`${file}: sources.0.portalId: is required for hubspot`);
  });
});
