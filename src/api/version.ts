/** The product version the API reports in /health and OpenAPI: the one in package.json. */
import packageJson from '../../package.json';

export const HUB_VERSION: string = packageJson.version;
