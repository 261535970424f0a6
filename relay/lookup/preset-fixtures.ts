/**
 * The CRMs' answers as their references show them, for the presets' tests (presets.test.ts): the
 * envelope of each example is kept as published; the records carry the fields the preset asks for,
 * with the test's names and numbers.
 */

/**
 * HubSpot's search answer (CollectionResponseWithTotal), as the API reference's example shows it:
 * total, paging.next {after, link}, results[] {archived, createdAt, id, properties, updatedAt}
 * (https://developers.hubspot.com/docs/api-reference/crm-contracts-v3/search/post-crm-v3-objects-contracts-search;
 * the date versions answer the same shape, https://developers.hubspot.com/docs/api-reference/2026-03/crm/search-the-crm).
 */
export function hubspotSearchAnswer(contacts: { id: string; properties: Record<string, string | null> }[]) {
  return {
    total: contacts.length,
    paging: { next: { after: 'NTI1Cg%3D%3D', link: '?after=NTI1Cg%3D%3D' } },
    results: contacts.map(({ id, properties }) => ({
      archived: false,
      createdAt: '2019-10-30T03:30:17.883Z',
      id,
      properties: { ...properties, hs_object_id: id },
      updatedAt: '2019-12-07T16:50:06.678Z',
    })),
  };
}

/**
 * Salesforce's SOSL search answer, as "Search for a String" shows it: searchRecords[] with each
 * record's attributes {type, url} and the fields RETURNING asked for
 * (https://developer.salesforce.com/docs/platform/api-rest/guide/dome-search.md).
 */
export function salesforceSearchAnswer(records: ({ Id: string } & Record<string, unknown>)[]) {
  return {
    searchRecords: records.map((r) => ({ attributes: { type: 'Contact', url: `/services/data/v60.0/sobjects/Contact/${r.Id}` }, ...r })),
  };
}

/**
 * Zendesk Sell's Search API answer, as the projections example shows it: items[] (one per query
 * item) {successful, items[] {data, meta {type}}, meta {count, http_status, links, total_count, type}}
 * (https://developer.zendesk.com/api-reference/sales-crm/search/projections).
 */
export function zendeskSearchAnswer(contacts: Record<string, unknown>[]) {
  return {
    items: [
      {
        successful: true,
        items: contacts.map((data) => ({ data: { version: 2, ...data }, meta: { type: 'contact' } })),
        meta: { count: contacts.length, http_status: '200 OK', links: { next_page: 'nextPageToken=' }, total_count: contacts.length, type: 'collection' },
      },
    ],
  };
}

/**
 * Freshsales' filtered search answer: contacts[] and meta {total_pages, total}, as public
 * integrations read it; the reference (https://developers.freshworks.com/crm/api/#filtered_search)
 * was not at hand past its opening when this was written, so the records carry the fields of its
 * contact view (https://developers.freshworks.com/crm/api/#view_a_contact).
 */
export function freshsalesFilteredAnswer(contacts: Record<string, unknown>[]) {
  return { contacts, meta: { total_pages: 1, total: contacts.length } };
}
