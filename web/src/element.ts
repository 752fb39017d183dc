import type { App } from 'vue';
import {
  ElAlert, ElAside, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElCol, ElConfigProvider, ElContainer, ElDatePicker,
  ElDescriptions, ElDescriptionsItem, ElDialog, ElEmpty, ElForm, ElFormItem, ElHeader, ElInput, ElInputNumber, ElLoading, ElMain,
  ElMenu, ElMenuItem, ElOption, ElPagination, ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElTable, ElTableColumn, ElTag,
  ElTimeline, ElTimelineItem, ElTooltip,
} from 'element-plus';

/** Only the Element Plus components the console uses (the bundle stays small). */
const components = [
  ElAlert, ElAside, ElBreadcrumb, ElBreadcrumbItem, ElButton, ElCard, ElCol, ElConfigProvider, ElContainer, ElDatePicker,
  ElDescriptions, ElDescriptionsItem, ElDialog, ElEmpty, ElForm, ElFormItem, ElHeader, ElInput, ElInputNumber, ElMain,
  ElMenu, ElMenuItem, ElOption, ElPagination, ElRadioButton, ElRadioGroup, ElRow, ElSelect, ElTable, ElTableColumn, ElTag,
  ElTimeline, ElTimelineItem, ElTooltip,
];

export function installElement(app: App): void {
  for (const c of components) app.use(c);
  app.use(ElLoading);
}
