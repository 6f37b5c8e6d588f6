import { useState } from 'react';
import {
  deleteChannel, listAttempts, listChannels, listEvents, listEventTypes, rotateSecret, sendTest, type Attempt, type Channel,
} from '../../api/notifications';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { dateTime, duration } from '../../format';
import { ChannelForm } from './ChannelForm';

function target(channel: Channel): string {
  if (channel.webhook) {
    return channel.webhook.url ?? '';
  }
  const email = channel.email!;
  return `${(email.to ?? []).join(', ')} via ${email.host}:${email.port} (${email.security})`;
}

function rules(channel: Channel): string {
  return channel.rules.map((r) => `${r.types.length ? r.types.join(', ') : 'every type'}, ${r.minSeverity} and worse`)
    .join('; ');
}

export function outcome(attempt: Attempt | undefined): string {
  if (!attempt) {
    return 'never sent';
  }
  const code = attempt.statusCode == null ? '' : `${attempt.statusCode} `;
  return `${attempt.ok ? 'sent' : 'failed'}: ${code}${attempt.answer ?? ''}`.trim();
}

function Attempts({ channel }: { channel: Channel }) {
  const attempts = useLoad(() => listAttempts(channel.id), [channel.id]);
  return (
    <section className="card" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Last attempts to {channel.name}</h2>
      <ErrorNote error={attempts.error} />
      <table>
        <thead><tr><th scope="col">When</th><th scope="col">Alerts</th><th scope="col">Outcome</th><th scope="col">Took</th></tr></thead>
        <tbody>
          {attempts.data?.length === 0 && <tr><td colSpan={4}>nothing sent yet</td></tr>}
          {(attempts.data ?? []).map((a) => (
            <tr key={a.id}>
              <td>{dateTime(a.at)}{a.deliveryId ? '' : ' (test)'}</td>
              <td>{a.events}</td>
              <td className={a.ok ? 'status-succeeded' : 'status-failed'}>{outcome(a)}</td>
              <td>{duration(a.durationMillis)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function NotificationsPage() {
  const channels = useLoad(listChannels);
  const eventTypes = useLoad(listEventTypes);
  const events = useLoad(() => listEvents(50), [], 10000);
  const [editing, setEditing] = useState<Channel | 'new'>();
  const [secret, setSecret] = useState<{ channel: string; secret: string }>();
  const [shown, setShown] = useState<Channel>();
  const [note, setNote] = useState<{ text: string; ok: boolean }>();
  const [error, setError] = useState<string>();

  const saved = (channel: Channel) => {
    setEditing(undefined);
    if (channel.secret) {
      setSecret({ channel: channel.name, secret: channel.secret });
    }
    channels.reload();
  };
  const act = async (action: () => Promise<void>) => {
    setError(undefined);
    setNote(undefined);
    try {
      await action();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const test = (channel: Channel) => act(async () => {
    const attempt = await sendTest(channel.id);
    setNote({ text: `Test to ${channel.name}: ${outcome(attempt)}`, ok: attempt.ok });
    channels.reload();
  });
  const rotate = (channel: Channel) => act(async () => {
    if (window.confirm(`Make a new signing secret for ${channel.name}? The old one stops working at once.`)) {
      const rotated = await rotateSecret(channel.id);
      setSecret({ channel: rotated.name, secret: rotated.secret! });
    }
  });
  const remove = (channel: Channel) => act(async () => {
    if (window.confirm(`Delete channel ${channel.name}? Messages not sent yet go with it.`)) {
      await deleteChannel(channel.id);
      channels.reload();
    }
  });

  return (
    <>
      <h1>Alerts</h1>
      <p className="muted">
        Where Stillpoint tells admins that protection failed. Alerts of one type about one job, VM, repository or
        node that come close together go out as one message.
      </p>
      <ErrorNote error={channels.error ?? eventTypes.error ?? error} />
      {secret && (
        <section className="card" role="status" aria-labelledby="secret-title">
          <h2 id="secret-title">Signing secret of {secret.channel}</h2>
          <p>Copy it into the receiver now: it is shown this once.</p>
          <p><code>{secret.secret}</code></p>
          <button type="button" onClick={() => setSecret(undefined)}>I have copied it</button>
        </section>
      )}
      {note && <p role={note.ok ? 'status' : 'alert'} className={note.ok ? 'status-succeeded' : 'error'}>{note.text}</p>}
      {editing ? (
        <ChannelForm channel={editing === 'new' ? undefined : editing} eventTypes={eventTypes.data ?? []}
          onSaved={saved} onCancel={() => setEditing(undefined)} />
      ) : (
        <button type="button" onClick={() => setEditing('new')}>New channel</button>
      )}
      <table>
        <caption>Channels</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Sends to</th><th scope="col">Alerts</th><th scope="col">Last attempt</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {channels.data?.length === 0 && <tr><td colSpan={5}>no channels yet: nobody is told when protection fails</td></tr>}
          {(channels.data ?? []).map((c) => (
            <tr key={c.id}>
              <th scope="row">{c.name}{c.enabled ? '' : ' (disabled)'}</th>
              <td><span className="muted">{c.type}</span> <span className="mono">{target(c)}</span></td>
              <td>{rules(c)}</td>
              <td className={c.lastAttempt ? (c.lastAttempt.ok ? 'status-succeeded' : 'status-failed') : 'muted'}>
                {outcome(c.lastAttempt)}{c.lastAttempt && <span className="muted"> ({dateTime(c.lastAttempt.at)})</span>}
              </td>
              <td>
                <div className="inline-form">
                  <button type="button" onClick={() => test(c)} aria-label={`Send a test to ${c.name}`}>Send test</button>
                  <button type="button" onClick={() => setShown(c)} aria-label={`Attempts of ${c.name}`}>Attempts</button>
                  <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>Edit</button>
                  {c.type === 'webhook' && (
                    <button type="button" onClick={() => rotate(c)} aria-label={`New secret for ${c.name}`}>New secret</button>
                  )}
                  <button type="button" onClick={() => remove(c)} aria-label={`Delete ${c.name}`}>Delete</button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown && <Attempts channel={shown} />}
      <table>
        <caption>Recent alerts</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">Severity</th><th scope="col">What</th></tr></thead>
        <tbody>
          {events.data?.length === 0 && <tr><td colSpan={4}>nothing went wrong yet</td></tr>}
          {(events.data ?? []).map((e) => (
            <tr key={e.id}>
              <td>{dateTime(e.at)}</td>
              <td>{e.type}</td>
              <td className={`severity-${e.severity}`}>{e.severity}</td>
              <td><a href={e.link.substring(e.link.indexOf('#'))}>{e.summary}</a></td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
