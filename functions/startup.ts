import { platform } from '../shared/composition';

platform();
