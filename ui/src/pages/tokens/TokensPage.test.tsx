import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../api/client';
import type { Token, TokenRequest } from '../../api/tokens';
import { renderAs } from '../../test/withRole';
import { TokensPage } from './TokensPage';

const mine: Token = { id: 't1', username: 'a-operator', name: 'nightly-report', role: 'viewer',
  createdAt: '2026-12-01T10:00:00Z', expiresAt: null, lastUsedAt: '2026-12-04T09:00:00Z' };
const theirs: Token = { id: 't2', username: 'bob', name: 'monitoring', role: 'viewer',
  createdAt: '2026-12-02T10:00:00Z', expiresAt: '2027-01-01T00:00:00Z', lastUsedAt: null };
const api = vi.hoisted(() => ({ listTokens: vi.fn(), createToken: vi.fn(), revokeToken: vi.fn() }));

vi.mock('../../api/tokens', () => api);

describe('TokensPage', () => {
  beforeEach(() => {
    api.listTokens.mockReset();
    api.createToken.mockReset();
    api.revokeToken.mockReset();
    api.listTokens.mockImplementation((all: boolean) => Promise.resolve(all ? [mine, theirs] : [mine]));
    api.revokeToken.mockResolvedValue(undefined);
  });

  it('lists the user\'s own tokens with their last use, and offers no role above the user\'s', async () => {
    renderAs('operator', <TokensPage />);
    const row = (await screen.findByRole('rowheader', { name: 'nightly-report' })).closest('tr')!;
    expect(within(row).getByText('never')).toBeTruthy();
    expect(api.listTokens).toHaveBeenCalledWith(false);
    expect(screen.queryByRole('rowheader', { name: 'monitoring' })).toBeNull();
    const roles = within(screen.getByLabelText('Role')).getAllByRole('option').map((o) => o.textContent);
    expect(roles).toEqual(['viewer', 'operator']);
  });

  it('shows admins everyone\'s tokens and revokes one after asking', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    renderAs('admin', <TokensPage />);
    const row = (await screen.findByRole('rowheader', { name: 'monitoring' })).closest('tr')!;
    expect(within(row).getByText('bob')).toBeTruthy();
    expect(api.listTokens).toHaveBeenCalledWith(true);
    fireEvent.click(within(row).getByRole('button', { name: 'Revoke monitoring of bob' }));
    await waitFor(() => expect(api.revokeToken).toHaveBeenCalledWith('t2'));
    await waitFor(() => expect(api.listTokens).toHaveBeenCalledTimes(2));
  });

  it('shows a new token\'s secret once with a copy button, and the field the server refused', async () => {
    const requests: TokenRequest[] = [];
    api.createToken.mockImplementation((request: TokenRequest) => {
      requests.push(request);
      if (request.role === 'operator') {
        return Promise.reject(new ApiError(400, { detail: "role: may be at most your own role, 'viewer'",
          errors: [{ field: 'role', message: "may be at most your own role, 'viewer'" }] }));
      }
      return Promise.resolve({ ...mine, id: 't3', name: request.name, secret: 'stp_shown-once' });
    });
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    renderAs('operator', <TokensPage />);
    await screen.findByRole('rowheader', { name: 'nightly-report' });

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ci' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'operator' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    expect(await screen.findByText("may be at most your own role, 'viewer'")).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'viewer' } });
    fireEvent.change(screen.getByLabelText('Expires (empty: never)'), { target: { value: '2027-03-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));
    const shown = await screen.findByRole('status');
    expect(within(shown).getByText('stp_shown-once')).toBeTruthy();
    expect(requests[1]).toEqual({ name: 'ci', role: 'viewer', expiresAt: new Date('2027-03-01T23:59:59').toISOString() });
    fireEvent.click(within(shown).getByRole('button', { name: 'Copy' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith('stp_shown-once'));
    expect(await within(shown).findByText('Copied.')).toBeTruthy();
    fireEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('stp_shown-once')).toBeNull();
  });
});
