import { ref, type Ref } from 'vue';
import type { ApiError } from './api';

/** A `{items, next}` list of the API, loaded page by page ("加载更多"), with its loading and error state. */
export function usePaged<T>(fetchPage: (after: string | undefined) => Promise<{ items: T[]; next: string | null }>) {
  const items = ref([]) as Ref<T[]>;
  const next = ref<string | null>(null);
  const loading = ref(false);
  const error = ref<ApiError | null>(null);
  async function load(fresh: boolean): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(fresh ? undefined : (next.value ?? undefined));
      items.value = fresh ? page.items : items.value.concat(page.items);
      next.value = page.next;
    } catch (e) {
      error.value = e as ApiError;
    } finally {
      loading.value = false;
    }
  }
  return { items, next, loading, error, load };
}
