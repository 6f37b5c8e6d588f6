import { act, render, screen } from '@testing-library/react';
import { useLive } from './useLive';

interface Item {
  step: number;
  finishedAt: string | null;
}

function Show({ fetchOne }: { fetchOne: () => Promise<Item> }) {
  const live = useLive<Item>({ step: 0, finishedAt: null }, '/api/runs/1/events', fetchOne);
  return <p>step {live.step}{live.finishedAt ? ' done' : ''}</p>;
}

class FakeSource {
  static last: FakeSource;
  onmessage: ((event: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSource.last = this;
  }
  close() {
    this.closed = true;
  }
}

describe('useLive', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('follows the server-sent events to the end', async () => {
    vi.stubGlobal('EventSource', FakeSource);
    const fetchOne = vi.fn();
    render(<Show fetchOne={fetchOne} />);
    expect(FakeSource.last.url).toBe('/api/runs/1/events');
    act(() => FakeSource.last.onmessage!({ data: JSON.stringify({ step: 1, finishedAt: null }) }));
    expect(screen.getByText('step 1')).toBeTruthy();
    act(() => FakeSource.last.onmessage!({ data: JSON.stringify({ step: 2, finishedAt: '2026-11-26T12:00:00Z' }) }));
    act(() => FakeSource.last.onerror!());
    expect(screen.getByText('step 2 done')).toBeTruthy();
    expect(FakeSource.last.closed).toBe(true);
    expect(fetchOne).not.toHaveBeenCalled();
  });

  it('polls once a second when the stream breaks off before the end', async () => {
    vi.stubGlobal('EventSource', FakeSource);
    const answers = [{ step: 1, finishedAt: null }, { step: 2, finishedAt: '2026-11-26T12:00:00Z' }];
    const fetchOne = vi.fn(() => Promise.resolve(answers.shift()!));
    render(<Show fetchOne={fetchOne} />);
    await act(async () => FakeSource.last.onerror!());
    expect(screen.getByText('step 1')).toBeTruthy();
    await act(async () => vi.advanceTimersByTimeAsync(1000));
    expect(screen.getByText('step 2 done')).toBeTruthy();
    await act(async () => vi.advanceTimersByTimeAsync(5000));
    expect(fetchOne).toHaveBeenCalledTimes(2);
  });
});
