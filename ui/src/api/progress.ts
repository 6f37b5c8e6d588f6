export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  currentFile: string | null;
  bytesPerSecond: number;
  etaSeconds: number | null;
}
