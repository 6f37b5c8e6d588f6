import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../api/client';
import type { Channel, ChannelRequest } from '../../api/notifications';
import { NotificationsPage } from './NotificationsPage';

const mail: Channel = {
  id: 'c1', name: 'ops mail', type: 'email', enabled: true, secretSet: true,
  email: { host: 'smtp.example.org', port: 587, security: 'starttls', username: 'alerts', from: 'stillpoint@example.org',
    to: ['ops@example.org'] },
  rules: [{ types: ['run-failed'], minSeverity: 'critical' }], createdAt: '', updatedAt: '',
  lastAttempt: { id: 'a1', deliveryId: 'd1', at: '2026-12-04T10:00:00Z', durationMillis: 40, ok: false, statusCode: 535,
    answer: 'authentication failed', events: 3 },
};
const created: ChannelRequest[] = [];
const updated: ChannelRequest[] = [];
const api = vi.hoisted(() => ({ createChannel: vi.fn(), updateChannel: vi.fn(), sendTest: vi.fn() }));

vi.mock('../../api/notifications', async (original) => ({
  ...(await original<typeof import('../../api/notifications')>()),
  listChannels: () => Promise.resolve([mail]),
  listEventTypes: () => Promise.resolve([
    { id: 'run-failed', severity: 'critical', description: 'a backup run failed' },
    { id: 'verify-failed', severity: 'critical', description: 'a verify failed' },
  ]),
  listEvents: () => Promise.resolve([{ id: 'e1', type: 'run-failed', severity: 'critical', at: '2026-12-04T10:00:00Z',
    summary: "backup of VM 'db01' failed", link: 'https://backup.example.org/#/runs/r1', scope: "VM 'db01'" }]),
  listAttempts: () => Promise.resolve([]),
  createChannel: api.createChannel,
  updateChannel: api.updateChannel,
  sendTest: api.sendTest,
}));

describe('NotificationsPage', () => {
  beforeEach(() => {
    created.length = 0;
    updated.length = 0;
    api.createChannel.mockReset();
    api.updateChannel.mockReset();
    api.sendTest.mockReset();
  });

  it('lists channels with where they send, which alerts, and how the last attempt went', async () => {
    render(<NotificationsPage />);
    const row = (await screen.findByRole('rowheader', { name: 'ops mail' })).closest('tr')!;
    expect(within(row).getByText('ops@example.org via smtp.example.org:587 (starttls)')).toBeTruthy();
    expect(within(row).getByText('run-failed, critical and worse')).toBeTruthy();
    expect(within(row).getByText('failed: 535 authentication failed')).toBeTruthy();
    const alert = await screen.findByRole('link', { name: "backup of VM 'db01' failed" });
    expect(alert.getAttribute('href')).toBe('#/runs/r1');
  });

  it('shows a new webhook secret once, and the field the server refused', async () => {
    api.createChannel.mockImplementation((request: ChannelRequest) => {
      created.push(request);
      if (request.webhook?.url?.startsWith('ftp')) {
        return Promise.reject(new ApiError(400, { detail: 'webhook.url: must start with http:// or https://',
          errors: [{ field: 'webhook.url', message: 'must start with http:// or https://' }] }));
      }
      return Promise.resolve({ ...mail, id: 'c2', name: 'pager', type: 'webhook', webhook: { url: request.webhook!.url },
        email: undefined, secret: 'whsec_shown-once' });
    });
    render(<NotificationsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New channel' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'pager' } });
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'webhook' } });
    fireEvent.change(screen.getByLabelText('Webhook address (http or https)'), { target: { value: 'ftp://x.example.org/' } });
    fireEvent.click(await screen.findByLabelText('verify-failed'));
    fireEvent.click(screen.getByRole('button', { name: 'Create channel' }));
    expect(await screen.findByText('must start with http:// or https://', { selector: 'span' })).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Webhook address (http or https)'), { target: { value: 'https://x.example.org/' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create channel' }));
    const shown = await screen.findByRole('status');
    expect(within(shown).getByText('whsec_shown-once')).toBeTruthy();
    expect(created[1]).toEqual({ name: 'pager', type: 'webhook', enabled: true, webhook: { url: 'https://x.example.org/' },
      rules: [{ types: ['verify-failed'], minSeverity: 'warning' }] });
    fireEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByText('whsec_shown-once')).toBeNull();
  });

  it('keeps the stored SMTP password when an edit leaves it empty', async () => {
    api.updateChannel.mockImplementation((_id: string, request: ChannelRequest) => {
      updated.push(request);
      return Promise.resolve(mail);
    });
    render(<NotificationsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit ops mail' }));
    expect(screen.getByLabelText('Password (empty: keep the one stored)')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('To (comma-separated)'), { target: { value: 'ops@example.org, night@example.org' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(updated).toHaveLength(1));
    expect(updated[0].email).not.toHaveProperty('password', expect.anything());
    expect(updated[0].email?.to).toEqual(['ops@example.org', 'night@example.org']);
    expect(updated[0].email?.username).toBe('alerts');
  });

  it('sends a test and says how the receiver answered', async () => {
    api.sendTest.mockResolvedValue({ id: 'a2', deliveryId: null, at: '', durationMillis: 12, ok: true, statusCode: null,
      answer: 'accepted for ops@example.org', events: 1 });
    render(<NotificationsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Send a test to ops mail' }));
    expect((await screen.findByText(/^Test to ops mail:/)).textContent).toBe('Test to ops mail: sent: accepted for ops@example.org');
  });
});
