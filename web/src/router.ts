import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { whenUnauthorized } from './api';
import { ADMIN, AUDIT, STAFF, forget, homeOf, loadSession, session } from './session';
import Shell from './layout/Shell.vue';
import Login from './views/Login.vue';

declare module 'vue-router' {
  interface RouteMeta {
    title?: string;
    /** Roles that see the screen (the API decides again; this only shapes the menu). */
    roles?: string[];
    section?: string;
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', component: Login, meta: { title: '登录' } },
  {
    path: '/',
    component: Shell,
    children: [
      { path: '', redirect: () => homeOf(session.me?.role) },
      { path: 'dashboard', component: () => import('./views/Dashboard.vue'), meta: { title: '工作台', roles: STAFF, section: '部门业务' } },
      { path: 'mailbox/:box(in|out)', component: () => import('./views/Mailbox.vue'), meta: { title: '收发件箱', roles: STAFF, section: '部门业务' } },
      { path: 'messages/:id', component: () => import('./views/MessageDetail.vue'), meta: { title: '报文详情', roles: STAFF, section: '部门业务' } },
      { path: 'services', component: () => import('./views/Services.vue'), meta: { title: '可调用服务', roles: STAFF, section: '部门业务' } },
      { path: 'documents/:box(inbox|outbox)', component: () => import('./views/DocumentBox.vue'), meta: { title: '公文', roles: STAFF, section: '公文办理' } },
      { path: 'documents/compose', component: () => import('./views/DocumentCompose.vue'), meta: { title: '拟稿', roles: STAFF, section: '公文办理' } },
      { path: 'documents/:id([0-9a-fA-F-]{36})', component: () => import('./views/DocumentDetail.vue'), meta: { title: '公文详情', roles: [...STAFF, ...AUDIT], section: '公文办理' } },
      { path: 'trace', component: () => import('./views/Trace.vue'), meta: { title: '报文追溯', roles: AUDIT, section: '审计监察' } },
      { path: 'evidence', component: () => import('./views/Evidence.vue'), meta: { title: '证据核验', roles: AUDIT, section: '审计监察' } },
      { path: 'supervision', component: () => import('./views/Supervision.vue'), meta: { title: '监察看板', roles: AUDIT, section: '审计监察' } },
      { path: 'cases/:caseNo', component: () => import('./views/CaseDetail.vue'), meta: { title: '办件详情', roles: [...STAFF, ...AUDIT], section: '审计监察' } },
      { path: 'verify-guide', component: () => import('./views/VerifyGuide.vue'), meta: { title: '离线核验说明', roles: AUDIT, section: '审计监察' } },
      { path: 'admin/audit-access', component: () => import('./views/AuditAccess.vue'), meta: { title: '审计访问记录', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/members', component: () => import('./views/Members.vue'), meta: { title: '成员单位', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/systems', component: () => import('./views/Systems.vue'), meta: { title: '接入系统与令牌', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/agreements', component: () => import('./views/Agreements.vue'), meta: { title: '交换协议', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/certificates', component: () => import('./views/Certificates.vue'), meta: { title: '证书管理', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/users', component: () => import('./views/Users.vue'), meta: { title: '用户与角色', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/dead-letters', component: () => import('./views/DeadLetters.vue'), meta: { title: '死信队列', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/adapters', component: () => import('./views/Adapters.vue'), meta: { title: '适配器与熔断', roles: ADMIN, section: '系统管理' } },
      { path: 'admin/delivery', component: () => import('./views/DeliveryStatus.vue'), meta: { title: '投递状态', roles: ADMIN, section: '系统管理' } },
      { path: ':rest(.*)*', component: () => import('./views/NotFound.vue'), meta: { title: '页面不存在' } },
    ],
  },
];

export const router = createRouter({ history: createWebHistory('/console/'), routes });

router.beforeEach(async (to) => {
  if (!session.checked) await loadSession();
  if (to.path === '/login') return session.me ? homeOf(session.me.role) : true;
  if (!session.me) return { path: '/login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  const roles = to.meta.roles;
  if (roles && !roles.includes(session.me.role ?? '')) return homeOf(session.me.role);
  return true;
});

router.afterEach((to) => {
  document.title = `${to.meta.title ?? ''} · xgw 管理控制台`;
});

// Any 401 (the session expired or was ended elsewhere): back to the login page.
whenUnauthorized(() => {
  const here = router.currentRoute.value;
  forget();
  if (here.path !== '/login') void router.push({ path: '/login', query: { expired: '1', redirect: here.fullPath } });
});
