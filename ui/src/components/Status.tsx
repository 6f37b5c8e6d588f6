export function Status({ value }: { value: string | null | undefined }) {
  const text = value ?? 'none';
  return <span className={`status status-${text.toLowerCase()}`}>{text}</span>;
}

export function ErrorNote({ error }: { error: Error | string | undefined | null }) {
  if (!error) {
    return null;
  }
  return <p role="alert" className="error">{typeof error === 'string' ? error : error.message}</p>;
}
