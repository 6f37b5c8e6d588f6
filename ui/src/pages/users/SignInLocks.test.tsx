import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../api/client';
import type { SignInHold } from '../../api/signInLocks';
import { SignInLocks } from './SignInLocks';

const locked: SignInHold = { kind: 'user', name: 'ana', failures: 10, until: '2026-12-05T14:00:00Z' };
const delayed: SignInHold = { kind: 'address', name: '192.0.2.7', failures: 2, until: null };
const api = vi.hoisted(() => ({ listSignInHolds: vi.fn(), liftSignInHold: vi.fn() }));

vi.mock('../../api/signInLocks', () => api);

describe('SignInLocks', () => {
  beforeEach(() => {
    api.listSignInHolds.mockReset();
    api.liftSignInHold.mockReset();
    vi.restoreAllMocks();
  });

  it('lists the held user names and addresses, and lifts one after asking', async () => {
    api.listSignInHolds.mockResolvedValueOnce([locked, delayed]).mockResolvedValueOnce([delayed]);
    api.liftSignInHold.mockResolvedValue(undefined);
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    render(<SignInLocks />);
    const row = (await screen.findByRole('rowheader', { name: 'ana' })).closest('tr')!;
    expect(within(row).getByText('10')).toBeTruthy();
    const other = screen.getByRole('rowheader', { name: '192.0.2.7' }).closest('tr')!;
    expect(within(other).getByText('not refused now')).toBeTruthy();

    fireEvent.click(within(row).getByRole('button', { name: 'Lift user ana' }));
    await waitFor(() => expect(api.liftSignInHold).toHaveBeenCalledWith(locked));
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: 'ana' })).toBeNull());
    expect(screen.getByRole('rowheader', { name: '192.0.2.7' })).toBeTruthy();
  });

  it('lifts nothing when the admin says no, and shows why a lift failed', async () => {
    api.listSignInHolds.mockResolvedValue([locked]);
    api.liftSignInHold.mockRejectedValue(new ApiError(404, { detail: "no failed sign-ins of user 'ana' are counted" }));
    const confirm = vi.spyOn(window, 'confirm').mockReturnValueOnce(false).mockReturnValueOnce(true);
    render(<SignInLocks />);
    const lift = await screen.findByRole('button', { name: 'Lift user ana' });
    fireEvent.click(lift);
    expect(api.liftSignInHold).not.toHaveBeenCalled();
    fireEvent.click(lift);
    expect(await screen.findByText(/no failed sign-ins of user 'ana' are counted/)).toBeTruthy();
    expect(confirm).toHaveBeenCalledTimes(2);
  });

  it('says so when nobody is held', async () => {
    api.listSignInHolds.mockResolvedValue([]);
    render(<SignInLocks />);
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'No failed sign-ins.');
  });
});
