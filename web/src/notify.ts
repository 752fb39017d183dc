import { ElMessage } from 'element-plus';
import { ApiError } from './api';

/** A failed action as a message box: the Chinese text and the request id for support. */
export function toastError(e: unknown): void {
  const err = e instanceof ApiError ? e : new ApiError(0, undefined, undefined, null);
  ElMessage.error(`${err.message}（请求编号：${err.requestId ?? '—'}）`);
}
