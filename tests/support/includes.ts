/** Tests load includes exactly as the product does. */
export { loadInclude } from '../../warehouse/includes.ts';
