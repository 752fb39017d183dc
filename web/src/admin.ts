import { ref, type Ref } from 'vue';
import { ElMessage, ElMessageBox } from 'element-plus';
import { api, qs, type ApiError } from './api';
import { toastError } from './notify';

/** Registry administration in the console (/api/v1/admin/…): shared shapes, labels and helpers of the admin screens. */
export interface AdminMember {
  code: string;
  name: string;
  kind: string;
  uscc: string;
  adapter: string;
  adapterConfig: Record<string, unknown>;
  deliveryMode: 'push' | 'pull';
  keyAlg: string;
  active: boolean;
  webhook?: { url: string; active: boolean };
}

export const KIND: Record<string, string> = { hall: '政务服务大厅', municipal: '市直部门', vertical: '垂直管理部门', station: '公文交换站' };
export const DELIVERY: Record<string, string> = { pull: '拉取（部门系统主动收取）', push: '推送（回调地址）' };
export const ADAPTERS = ['hall-rest', 'dept-rest', 'amr-soap', 'tax-soap'];
export const ACTIVE_OPTIONS = [
  { value: 'true', label: '仅启用' },
  { value: 'false', label: '仅停用' },
];

/** Every member, active or not (the admin list, up to 500), for the selects of the admin screens. */
export async function loadAdminMembers(): Promise<AdminMember[]> {
  return (await api<{ items: AdminMember[] }>('GET', `/admin/members${qs({ limit: 500 })}`)).items;
}

/** Asks first (a confirm dialog), then runs the change; a success message, or the refusal in Chinese. True when done. */
export async function confirmThen(question: string, action: () => Promise<unknown>, done: string, title = '请确认'): Promise<boolean> {
  try {
    await ElMessageBox.confirm(question, title, { type: 'warning', confirmButtonText: '确定', cancelButtonText: '取消' });
  } catch {
    return false;
  }
  try {
    await action();
    ElMessage.success(done);
    return true;
  } catch (e) {
    toastError(e);
    return false;
  }
}

/** A dialog's save: busy while it runs; a refusal kept in `error` (shown in the dialog with its field errors). True when done. */
export function useSubmit() {
  const busy = ref(false);
  const error = ref<ApiError | null>(null);
  async function submit(action: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    try {
      await action();
      return true;
    } catch (e) {
      error.value = e as ApiError;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, submit };
}

/** Every member (active or not) for a screen's selects and names; a failure to load them lands in `error`. */
export function useAdminMembers(error: Ref<ApiError | null>) {
  const members = ref<AdminMember[]>([]);
  const nameOf = (code: string) => members.value.find((m) => m.code === code)?.name ?? code;
  async function loadMembers(): Promise<void> {
    try {
      members.value = await loadAdminMembers();
    } catch (e) {
      error.value = e as ApiError;
    }
  }
  return { members, nameOf, loadMembers };
}
