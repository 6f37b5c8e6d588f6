import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import {
  SEVERITIES, createChannel, updateChannel, type Channel, type ChannelRequest, type ChannelType, type EmailSecurity,
  type EventType, type Severity,
} from '../../api/notifications';
import { ErrorNote } from '../../components/Status';

interface Props {
  channel?: Channel;
  eventTypes: EventType[];
  onSaved: (channel: Channel) => void;
  onCancel: () => void;
}

interface Form {
  name: string;
  type: ChannelType;
  enabled: boolean;
  url: string;
  host: string;
  port: string;
  security: EmailSecurity;
  username: string;
  password: string;
  from: string;
  to: string;
  trustedCertificate: string;
  types: string[];
  minSeverity: Severity;
}

function formOf(channel?: Channel): Form {
  const email = channel?.email;
  const rule = channel?.rules[0];
  return {
    name: channel?.name ?? '', type: channel?.type ?? 'email', enabled: channel?.enabled ?? true,
    url: channel?.webhook?.url ?? '', host: email?.host ?? '', port: email?.port ? String(email.port) : '',
    security: email?.security ?? 'starttls', username: email?.username ?? '', password: '', from: email?.from ?? '',
    to: email?.to?.join(', ') ?? '', trustedCertificate: email?.trustedCertificate ?? '', types: rule?.types ?? [],
    minSeverity: rule?.minSeverity ?? 'warning',
  };
}

/** The request a form makes: a password left empty is left out, so the one stored stays. */
export function requestOf(form: Form): ChannelRequest {
  const rules = [{ types: form.types, minSeverity: form.minSeverity }];
  if (form.type === 'webhook') {
    return { name: form.name, type: 'webhook', enabled: form.enabled, webhook: { url: form.url }, rules };
  }
  return {
    name: form.name, type: 'email', enabled: form.enabled, rules,
    email: {
      host: form.host, port: form.port ? Number(form.port) : undefined, security: form.security,
      username: form.username || null, password: form.password || undefined, from: form.from,
      to: form.to.split(',').map((a) => a.trim()).filter(Boolean), trustedCertificate: form.trustedCertificate || null,
    },
  };
}

export function ChannelForm({ channel, eventTypes, onSaved, onCancel }: Props) {
  const [form, setForm] = useState<Form>(() => formOf(channel));
  const [failure, setFailure] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const fieldError = (...fields: string[]) => fields.map((f) => failure?.fieldMessage(f)).find(Boolean)
    ?? failure?.problem.errors?.find((e) => fields.some((f) => e.field.startsWith(`${f}[`)))?.message;
  const toggleType = (id: string) => set('types', form.types.includes(id) ? form.types.filter((t) => t !== id) : [...form.types, id]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const request = requestOf(form);
      onSaved(channel ? await updateChannel(channel.id, request) : await createChannel(request));
    } catch (e) {
      setFailure(e instanceof ApiError ? e : new ApiError(0, { detail: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const field = (id: string, label: string, key: keyof Form, errorFields: string[], extra: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`channel-${id}`}>{label}</label>
      <input id={`channel-${id}`} value={form[key] as string} onChange={(e) => set(key, e.target.value as never)}
        aria-invalid={!!fieldError(...errorFields)} aria-describedby={`channel-${id}-error`} {...extra} />
      <span id={`channel-${id}-error`} className="error">{fieldError(...errorFields)}</span>
    </div>
  );

  return (
    <form className="card" onSubmit={submit} aria-labelledby="channel-form-title" noValidate>
      <h2 id="channel-form-title">{channel ? `Edit channel ${channel.name}` : 'New channel'}</h2>
      {field('name', 'Name', 'name', ['name'], { required: true })}
      <div className="field">
        <label htmlFor="channel-type">Type</label>
        <select id="channel-type" value={form.type} disabled={!!channel}
          onChange={(e) => set('type', e.target.value as ChannelType)}>
          <option value="email">e-mail</option>
          <option value="webhook">webhook</option>
        </select>
      </div>
      {form.type === 'webhook' ? (
        <>
          {field('url', 'Webhook address (http or https)', 'url', ['webhook.url', 'webhook'], { className: 'mono', type: 'url' })}
          {!channel && <p className="muted">The signing secret is shown once, when the channel is created.</p>}
        </>
      ) : (
        <fieldset>
          <legend>SMTP server</legend>
          {field('host', 'Host', 'host', ['email.host', 'email'])}
          <div className="field">
            <label htmlFor="channel-security">Security</label>
            <select id="channel-security" value={form.security} onChange={(e) => set('security', e.target.value as EmailSecurity)}>
              <option value="starttls">STARTTLS (port 587)</option>
              <option value="tls">TLS (port 465)</option>
              <option value="none">none (a relay on this network, port 25)</option>
            </select>
            <span className="error">{fieldError('email.security')}</span>
          </div>
          {field('port', 'Port (empty: the security\'s usual one)', 'port', ['email.port'], { inputMode: 'numeric' })}
          {field('username', 'User name (empty: no authentication)', 'username', ['email.username'], { autoComplete: 'off' })}
          {field('password', channel?.secretSet ? 'Password (empty: keep the one stored)' : 'Password', 'password',
            ['email.password'], { type: 'password', autoComplete: 'new-password' })}
          {field('from', 'From', 'from', ['email.from'])}
          {field('to', 'To (comma-separated)', 'to', ['email.to'])}
          <div className="field">
            <label htmlFor="channel-certificate">Trusted certificate (PEM; empty: the system's authorities)</label>
            <textarea id="channel-certificate" className="mono" rows={3} value={form.trustedCertificate}
              onChange={(e) => set('trustedCertificate', e.target.value)} aria-describedby="channel-certificate-error" />
            <span id="channel-certificate-error" className="error">{fieldError('email.trustedCertificate')}</span>
          </div>
        </fieldset>
      )}
      <fieldset>
        <legend>Which alerts (none ticked: every type)</legend>
        {eventTypes.map((t) => (
          <label key={t.id} className="check" title={t.description}>
            <input type="checkbox" checked={form.types.includes(t.id)} onChange={() => toggleType(t.id)} /> {t.id}
          </label>
        ))}
        <div className="field">
          <label htmlFor="channel-severity">At least of severity</label>
          <select id="channel-severity" value={form.minSeverity} onChange={(e) => set('minSeverity', e.target.value as Severity)}>
            {SEVERITIES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <span className="error">{fieldError('rules')}</span>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Enabled
      </label>
      <ErrorNote error={failure} />
      <div className="inline-form">
        <button type="submit" disabled={busy}>{channel ? 'Save' : 'Create channel'}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
