import { act, fireEvent, render, screen } from '@testing-library/react';
import { nextLink, type Page } from '../api/client';
import { LoadOlder } from './LoadOlder';
import { usePaged } from './usePaged';

interface Item {
  id: string;
}

const items = (...ids: string[]): Item[] => ids.map((id) => ({ id }));

function List({ first }: { first: () => Promise<Page<Item>> }) {
  const list = usePaged(first);
  return (
    <>
      <p>{list.items?.map((i) => i.id).join(' ') ?? 'loading'}</p>
      <LoadOlder list={list} what="items" />
      <button type="button" onClick={list.reload}>refresh</button>
    </>
  );
}

describe('a paged list', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    fetchMock.mockReset();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('reads the next link of a Link header', () => {
    expect(nextLink('</api/runs?after=2026-01-01T00%3A00%3A00Z%2Cabc&limit=2>; rel="next"'))
      .toBe('/api/runs?after=2026-01-01T00%3A00%3A00Z%2Cabc&limit=2');
    expect(nextLink('</a>; rel="prev", </b>; rel="next"')).toBe('/b');
    expect(nextLink(null)).toBeUndefined();
  });

  it('loads older pages by following the next link until there is none', async () => {
    fetchMock.mockImplementation(async (url: string) => {
      expect(url).toBe('/api/items?after=c2&limit=2');
      return new Response(JSON.stringify(items('c', 'd')), { status: 200 });
    });
    render(<List first={() => Promise.resolve({ items: items('a', 'b'), next: '/api/items?after=c2&limit=2' })} />);
    expect(await screen.findByText('a b')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Load older items' }));
    expect(await screen.findByText('a b c d')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Load older items' })).toBeNull();
  });

  it('keeps the older pages, and what newer items pushed off the first page, when the first page refreshes', async () => {
    fetchMock.mockResolvedValue(new Response(JSON.stringify(items('c', 'd')), { status: 200 }));
    const pages = [
      { items: items('a', 'b'), next: '/api/items?after=b' },
      { items: items('new', 'a'), next: '/api/items?after=a' },
    ];
    let call = 0;
    render(<List first={() => Promise.resolve(pages[Math.min(call++, 1)])} />);
    await screen.findByText('a b');
    fireEvent.click(screen.getByRole('button', { name: 'Load older items' }));
    await screen.findByText('a b c d');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'refresh' })));
    expect(await screen.findByText('new a b c d')).toBeTruthy();
  });
});
