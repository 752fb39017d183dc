import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './console.css';
import App from './App.vue';
import { router } from './router';
import { installElement } from './element';

const app = createApp(App);
installElement(app);
app.use(router);
app.mount('#app');
